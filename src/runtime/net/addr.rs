//! Interface addresses in the `10.200.0.1/24` notation `ip` uses.

use serde::Serialize;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

/// An IPv4 address with the prefix length of its subnet, as assigned to an interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Ipv4Cidr {
    pub addr: Ipv4Addr,
    pub prefix_len: u8,
}

impl Ipv4Cidr {
    /// Fails when the prefix length is over 32.
    pub fn new(addr: Ipv4Addr, prefix_len: u8) -> anyhow::Result<Self> {
        let c = Ipv4Cidr { addr, prefix_len };
        c.check()?;
        Ok(c)
    }

    pub(super) fn check(&self) -> anyhow::Result<()> {
        if self.prefix_len > 32 {
            anyhow::bail!(
                "{}/{} has a prefix length over 32; use a length from 0 to 32, e.g. {}/24",
                self.addr,
                self.prefix_len,
                self.addr
            );
        }
        Ok(())
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}

impl FromStr for Ipv4Cidr {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        let bad = || {
            anyhow::anyhow!(
                "{s:?} is not an IPv4 address with a prefix length; write it like 10.200.0.1/24"
            )
        };
        let (addr, len) = s.split_once('/').ok_or_else(bad)?;
        let addr = addr.parse().map_err(|_| bad())?;
        let len = len.parse().map_err(|_| bad())?;
        Ipv4Cidr::new(addr, len)
    }
}

/// An address found on an interface (IPv4 or IPv6), for inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct IfAddr {
    pub addr: IpAddr,
    pub prefix_len: u8,
}

impl fmt::Display for IfAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_cidr() {
        let c: Ipv4Cidr = "10.200.3.1/24".parse().unwrap();
        assert_eq!(c.addr, Ipv4Addr::new(10, 200, 3, 1));
        assert_eq!(c.prefix_len, 24);
        assert_eq!(c.to_string(), "10.200.3.1/24");
        for bad in [
            "10.200.3.1",
            "10.200.3.1/33",
            "10.200.3/24",
            "x/24",
            "10.0.0.1/",
        ] {
            assert!(bad.parse::<Ipv4Cidr>().is_err(), "{bad:?} accepted");
        }
    }
}
