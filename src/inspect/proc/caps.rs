//! Capability masks (`CapEff`, `CapPrm`, `CapBnd` in `/proc/PID/status`) decoded to the
//! kernel's names, `CAP_CHOWN` (bit 0) to `CAP_CHECKPOINT_RESTORE` (bit 40).

use caps::Capability;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::str::FromStr;

/// One capability set of a process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapSet {
    /// The mask exactly as the kernel prints it (16 hex digits). Kept as text because
    /// JSON readers that hold numbers as doubles would lose the high bits.
    #[serde(serialize_with = "hex_mask", deserialize_with = "from_hex_mask")]
    pub mask: u64,
    /// The capabilities in the set, in bit order.
    pub names: Vec<String>,
    /// Set bits with no name known here: capabilities newer than this build.
    pub unknown: Vec<u8>,
}

fn hex_mask<S: Serializer>(mask: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{mask:016x}"))
}

fn from_hex_mask<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let hex = String::deserialize(d)?;
    u64::from_str_radix(&hex, 16).map_err(serde::de::Error::custom)
}

/// Every capability this build knows, in bit order.
pub fn known() -> Vec<Capability> {
    let mut all: Vec<Capability> = caps::all().into_iter().collect();
    all.sort_by_key(|c| c.index());
    all
}

impl CapSet {
    pub fn from_mask(mask: u64) -> Self {
        let known = known();
        let names = known
            .iter()
            .filter(|c| mask & c.bitmask() != 0)
            .map(|c| c.to_string())
            .collect();
        let known_bits = known.iter().fold(0u64, |acc, c| acc | c.bitmask());
        let unknown = (0..64u8)
            .filter(|bit| mask & !known_bits & (1u64 << bit) != 0)
            .collect();
        CapSet {
            mask,
            names,
            unknown,
        }
    }

    /// Parses the hex text of a `Cap*:` line.
    pub fn parse(hex: &str) -> Option<Self> {
        u64::from_str_radix(hex.trim(), 16)
            .ok()
            .map(Self::from_mask)
    }

    /// Whether the set holds the capability named the kernel's way (`CAP_SYS_ADMIN`).
    /// An unknown name is never held.
    pub fn has(&self, name: &str) -> bool {
        Capability::from_str(name).is_ok_and(|c| self.mask & c.bitmask() != 0)
    }

    /// How many capabilities are set, named or not.
    pub fn len(&self) -> usize {
        self.mask.count_ones() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.mask == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_mask_names_every_capability_in_bit_order() {
        let set = CapSet::parse("000001ffffffffff").unwrap();
        assert_eq!(set.names.len(), 41);
        assert_eq!(set.names.first().map(String::as_str), Some("CAP_CHOWN"));
        assert_eq!(
            set.names.last().map(String::as_str),
            Some("CAP_CHECKPOINT_RESTORE")
        );
        assert_eq!(set.names[21], "CAP_SYS_ADMIN");
        assert!(set.unknown.is_empty());
        assert_eq!(set.len(), 41);
    }

    #[test]
    fn missing_sys_resource() {
        // A VM whose bounding set lacks bit 24.
        let set = CapSet::parse("000001fffeffffff").unwrap();
        assert_eq!(set.len(), 40);
        assert!(!set.has("CAP_SYS_RESOURCE"));
        assert!(set.has("CAP_SYS_ADMIN"));
        assert!(!set.names.iter().any(|n| n == "CAP_SYS_RESOURCE"));
    }

    #[test]
    fn unknown_bits_are_kept_apart() {
        let set = CapSet::from_mask((1 << 41) | (1 << 63) | 1);
        assert_eq!(set.names, vec!["CAP_CHOWN"]);
        assert_eq!(set.unknown, vec![41, 63]);
    }

    #[test]
    fn empty_and_garbage() {
        assert!(CapSet::parse("0000000000000000").unwrap().is_empty());
        assert!(CapSet::parse("not hex").is_none());
        assert!(!CapSet::from_mask(u64::MAX).has("CAP_NO_SUCH_THING"));
    }

    #[test]
    fn mask_serializes_as_the_kernel_prints_it() {
        let json = serde_json::to_value(CapSet::from_mask(0x3)).unwrap();
        assert_eq!(json["mask"], "0000000000000003");
        assert_eq!(json["names"][1], "CAP_DAC_OVERRIDE");
    }
}
