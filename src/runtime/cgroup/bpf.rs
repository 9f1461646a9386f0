//! cgroup v2's device rules: an eBPF program of type `BPF_PROG_TYPE_CGROUP_DEVICE`
//! attached to the container's cgroup (`BPF_CGROUP_DEVICE`), as runc and youki do. v2 has
//! no devices controller; the kernel runs the program at every open and mknod of a
//! device node and refuses the access (EPERM) when it returns 0.
//!
//! The rules are first reduced as v1's controller would hold them (an allow-list or a
//! deny-list, [`Emulated`]), so that one bundle means the same on both versions. The
//! program needs seven kinds of instruction; they are encoded here rather than with a
//! crate (rbpf, aya), which would bring an interpreter or a loader for what is a few
//! dozen bytes. It is loaded and attached with the `bpf(2)` system call; the cgroup
//! holds the program, and removing the cgroup frees it, so nothing needs a record.

use super::DeviceRule;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

/// The access bits of `struct bpf_cgroup_dev_ctx.access_type` (upper 16 bits).
const ACC_MKNOD: i32 = 1;
const ACC_READ: i32 = 2;
const ACC_WRITE: i32 = 4;
/// The device types (lower 16 bits).
const DEV_BLOCK: i32 = 1;
const DEV_CHAR: i32 = 2;

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;
/// Other programs may stay attached beside this one (systemd's, a parent's).
const BPF_F_ALLOW_MULTI: u32 = 2;

/// One eBPF instruction, as `struct bpf_insn` lays it out.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    code: u8,
    /// dst in the low nibble, src in the high one.
    regs: u8,
    off: i16,
    imm: i32,
}

impl Insn {
    fn new(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
        Insn {
            code,
            regs: (src << 4) | (dst & 0xf),
            off,
            imm,
        }
    }
    /// `dst = *(u32 *)(src + off)`
    fn load_word(dst: u8, src: u8, off: i16) -> Insn {
        Insn::new(0x61, dst, src, off, 0)
    }
    /// `dst &= imm` (32 bits)
    fn and(dst: u8, imm: i32) -> Insn {
        Insn::new(0x54, dst, 0, 0, imm)
    }
    /// `dst >>= imm` (32 bits)
    fn rsh(dst: u8, imm: i32) -> Insn {
        Insn::new(0x74, dst, 0, 0, imm)
    }
    /// `dst = src` (32 bits)
    fn mov_reg(dst: u8, src: u8) -> Insn {
        Insn::new(0xbc, dst, src, 0, 0)
    }
    /// `dst = imm` (64 bits)
    fn mov(dst: u8, imm: i32) -> Insn {
        Insn::new(0xb7, dst, 0, 0, imm)
    }
    /// `if dst != imm goto +off`
    fn jne(dst: u8, imm: i32, off: i16) -> Insn {
        Insn::new(0x55, dst, 0, off, imm)
    }
    /// `if dst != src goto +off`
    fn jne_reg(dst: u8, src: u8, off: i16) -> Insn {
        Insn::new(0x5d, dst, src, off, 0)
    }
    fn exit() -> Insn {
        Insn::new(0x95, 0, 0, 0, 0)
    }
}

/// The rules as v1's devices controller would hold them after writing them in order:
/// everything allowed but the listed rules, or nothing but them.
#[derive(Debug, PartialEq, Eq)]
pub struct Emulated {
    pub default_allow: bool,
    /// Exceptions to the default, each `allow == !default_allow`.
    pub exceptions: Vec<DeviceRule>,
}

/// Applies `rules` in order to a cgroup that allows everything (a new v1 cgroup below
/// the root): `a` resets to allow-all or deny-all; a rule whose action differs from
/// the default adds (or widens) an exception; one that agrees with it narrows the
/// exception with the same type and numbers.
pub fn emulate(rules: &[DeviceRule]) -> Emulated {
    let mut e = Emulated {
        default_allow: true,
        exceptions: Vec::new(),
    };
    for r in rules {
        if r.kind == 'a' {
            e.default_allow = r.allow;
            e.exceptions.clear();
            continue;
        }
        let same = |x: &DeviceRule| x.kind == r.kind && x.major == r.major && x.minor == r.minor;
        if r.allow != e.default_allow {
            match e.exceptions.iter_mut().find(|x| same(x)) {
                Some(x) => {
                    for c in r.access.chars() {
                        if !x.access.contains(c) {
                            x.access.push(c);
                        }
                    }
                }
                None => e.exceptions.push(r.clone()),
            }
        } else {
            for x in e.exceptions.iter_mut().filter(|x| same(x)) {
                x.access.retain(|c| !r.access.contains(c));
            }
            e.exceptions.retain(|x| !x.access.is_empty());
        }
    }
    e
}

/// The program for `rules`: registers r2 = type, r3 = access, r4 = major, r5 = minor;
/// then one block per exception, which returns the exception's answer when the
/// device matches and jumps past itself otherwise; then the default answer.
pub fn program(rules: &[DeviceRule]) -> Vec<Insn> {
    let e = emulate(rules);
    let mut p = vec![
        Insn::load_word(2, 1, 0),
        Insn::and(2, 0xffff),
        Insn::load_word(3, 1, 0),
        Insn::rsh(3, 16),
        Insn::load_word(4, 1, 4),
        Insn::load_word(5, 1, 8),
    ];
    for x in &e.exceptions {
        // The tests, each with its jump offset filled in once the block's length is known.
        let mut tests: Vec<Vec<Insn>> = Vec::new();
        match x.kind {
            'c' => tests.push(vec![Insn::jne(2, DEV_CHAR, 0)]),
            'b' => tests.push(vec![Insn::jne(2, DEV_BLOCK, 0)]),
            _ => {}
        }
        let mask = x.access.chars().fold(0, |m, c| {
            m | match c {
                'm' => ACC_MKNOD,
                'r' => ACC_READ,
                'w' => ACC_WRITE,
                _ => 0,
            }
        });
        if mask != ACC_MKNOD | ACC_READ | ACC_WRITE {
            // Every access asked for must be in the rule's.
            tests.push(vec![
                Insn::mov_reg(1, 3),
                Insn::and(1, mask),
                Insn::jne_reg(1, 3, 0),
            ]);
        }
        if let Some(major) = x.major {
            tests.push(vec![Insn::jne(4, major as i32, 0)]);
        }
        if let Some(minor) = x.minor {
            tests.push(vec![Insn::jne(5, minor as i32, 0)]);
        }
        let block: Vec<Insn> = tests.into_iter().flatten().collect();
        let len = block.len() + 2;
        for (i, mut insn) in block.into_iter().enumerate() {
            if matches!(insn.code, 0x55 | 0x5d) {
                insn.off = (len - i - 1) as i16;
            }
            p.push(insn);
        }
        p.push(Insn::mov(0, x.allow as i32));
        p.push(Insn::exit());
    }
    p.push(Insn::mov(0, e.default_allow as i32));
    p.push(Insn::exit());
    p
}

/// `union bpf_attr` for BPF_PROG_LOAD, up to `expected_attach_type`; the kernel takes
/// the size given and wants the rest zero.
#[repr(C)]
#[derive(Default)]
struct ProgLoad {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
}

/// `union bpf_attr` for BPF_PROG_ATTACH.
#[repr(C)]
#[derive(Default)]
struct ProgAttach {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
    replace_bpf_fd: u32,
}

fn bpf<T>(cmd: libc::c_long, attr: &mut T) -> nix::Result<libc::c_long> {
    // SAFETY: `attr` is a live repr(C) bpf_attr prefix of the size passed.
    let r = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd,
            attr as *mut T as *mut libc::c_void,
            std::mem::size_of::<T>(),
        )
    };
    nix::errno::Errno::result(r)
}

/// Loads `insns` as a cgroup device program. On a refusal the verifier's log is the
/// error's text.
pub fn load(insns: &[Insn]) -> Result<OwnedFd, (nix::errno::Errno, String)> {
    let license = c"Apache-2.0";
    let mut attr = ProgLoad {
        prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
        insn_cnt: insns.len() as u32,
        insns: insns.as_ptr() as u64,
        license: license.as_ptr() as u64,
        prog_name: *b"contlab_devices\0",
        ..Default::default()
    };
    match bpf(BPF_PROG_LOAD, &mut attr) {
        // SAFETY: a new fd the kernel handed to this process.
        Ok(fd) => Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) }),
        Err(e) => {
            // Again with the verifier's log, to say why.
            let mut log = vec![0u8; 64 * 1024];
            attr.log_level = 1;
            attr.log_size = log.len() as u32;
            attr.log_buf = log.as_mut_ptr() as u64;
            let _ = bpf(BPF_PROG_LOAD, &mut attr);
            let end = log.iter().position(|b| *b == 0).unwrap_or(log.len());
            Err((e, String::from_utf8_lossy(&log[..end]).trim().to_string()))
        }
    }
}

/// Attaches program `prog` to the cgroup directory `dir`.
pub fn attach(prog: &OwnedFd, dir: &Path) -> nix::Result<()> {
    let cgroup = nix::fcntl::open(
        dir,
        nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )?;
    let mut attr = ProgAttach {
        target_fd: cgroup.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        attach_flags: BPF_F_ALLOW_MULTI,
        ..Default::default()
    };
    bpf(BPF_PROG_ATTACH, &mut attr).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        allow: bool,
        kind: char,
        major: Option<i64>,
        minor: Option<i64>,
        access: &str,
    ) -> DeviceRule {
        DeviceRule {
            allow,
            kind,
            major,
            minor,
            access: access.into(),
        }
    }

    /// Runs `p` on one access as the kernel would (only the instructions `program` emits).
    fn run(p: &[Insn], kind: i32, access: i32, major: u32, minor: u32) -> u64 {
        let ctx = [((access << 16) | kind) as u32, major, minor];
        let mut r = [0u64; 11];
        let mut pc = 0usize;
        loop {
            let i = p[pc];
            let (dst, src) = ((i.regs & 0xf) as usize, (i.regs >> 4) as usize);
            pc += 1;
            match i.code {
                0x61 => r[dst] = ctx[i.off as usize / 4] as u64,
                0x54 => r[dst] = (r[dst] as u32 & i.imm as u32) as u64,
                0x74 => r[dst] = (r[dst] as u32 >> i.imm) as u64,
                0xbc => r[dst] = r[src] as u32 as u64,
                0xb7 => r[dst] = i.imm as i64 as u64,
                0x55 if r[dst] != i.imm as i64 as u64 => pc += i.off as usize,
                0x5d if r[dst] != r[src] => pc += i.off as usize,
                0x55 | 0x5d => {}
                0x95 => return r[0],
                other => panic!("unexpected opcode {other:#x}"),
            }
        }
    }

    #[test]
    fn runcs_default_rules_as_a_program() {
        // A deny-all, one listed device, and a few of runc's defaults.
        let rules = vec![
            rule(false, 'a', None, None, "rwm"),
            rule(true, 'c', None, None, "m"),
            rule(true, 'c', Some(1), Some(3), "rwm"),
            rule(true, 'c', Some(136), None, "rwm"),
            rule(true, 'c', Some(1), Some(5), "rw"),
        ];
        let p = program(&rules);
        let rw = ACC_READ | ACC_WRITE;
        assert_eq!(run(&p, DEV_CHAR, rw, 1, 3), 1, "/dev/null");
        assert_eq!(run(&p, DEV_CHAR, ACC_WRITE, 136, 7), 1, "a pty");
        assert_eq!(run(&p, DEV_CHAR, rw, 1, 11), 0, "/dev/kmsg");
        assert_eq!(run(&p, DEV_CHAR, ACC_MKNOD, 1, 11), 1, "mknod of any char");
        assert_eq!(run(&p, DEV_BLOCK, ACC_MKNOD, 8, 0), 0, "mknod of a block");
        assert_eq!(run(&p, DEV_CHAR, ACC_READ, 1, 5), 1, "/dev/zero read");
        assert_eq!(run(&p, DEV_CHAR, ACC_MKNOD, 1, 5), 1, "covered by c *:* m");
        assert_eq!(run(&p, DEV_BLOCK, ACC_READ, 1, 5), 0, "a block 1:5");
        // Every jump lands inside the program.
        for (i, insn) in p.iter().enumerate() {
            assert!(i + 1 + (insn.off as usize) < p.len() || insn.off == 0);
        }
    }

    #[test]
    fn the_emulation_follows_v1() {
        // No rule: allow everything. A deny of one device on an allow-all cgroup.
        let e = emulate(&[rule(false, 'c', Some(1), Some(3), "w")]);
        assert!(e.default_allow);
        assert_eq!(e.exceptions.len(), 1);
        let p = program(&[rule(false, 'c', Some(1), Some(3), "w")]);
        assert_eq!(run(&p, DEV_CHAR, ACC_WRITE, 1, 3), 0);
        assert_eq!(run(&p, DEV_CHAR, ACC_READ, 1, 3), 1);
        // A deny narrows an allow of the same device; `a` starts over.
        let e = emulate(&[
            rule(false, 'a', None, None, "rwm"),
            rule(true, 'c', Some(1), Some(3), "rwm"),
            rule(false, 'c', Some(1), Some(3), "w"),
        ]);
        assert!(!e.default_allow);
        assert_eq!(e.exceptions[0].access, "rm");
        let e = emulate(&[
            rule(true, 'c', Some(1), Some(3), "r"),
            rule(true, 'a', None, None, "rwm"),
        ]);
        assert_eq!(
            e,
            Emulated {
                default_allow: true,
                exceptions: vec![]
            }
        );
    }
}
