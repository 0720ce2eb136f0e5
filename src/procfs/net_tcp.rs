//! The text of `/proc/net/tcp` and `/proc/net/tcp6` (pure): which
//! connection owns a socket inode.
//!
//! `  0: 0100007F:1F90 0200007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 12345 1 ...`
//! Addresses are the in-memory bytes printed as host-endian 32-bit words.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const LISTEN: u8 = 0x0a;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Socket {
    pub local: IpAddr,
    pub local_port: u16,
    pub remote: IpAddr,
    pub remote_port: u16,
    pub state: u8,
    pub uid: u32,
    pub inode: u64,
}

fn words(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 8 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(hex.len() / 2);
    for i in (0..hex.len()).step_by(8) {
        let w = u32::from_str_radix(hex.get(i..i + 8)?, 16).ok()?;
        out.extend_from_slice(&w.to_ne_bytes());
    }
    Some(out)
}

fn endpoint(s: &str) -> Option<(IpAddr, u16)> {
    let (a, p) = s.split_once(':')?;
    let port = u16::from_str_radix(p, 16).ok()?;
    let b = words(a)?;
    let ip = match b.len() {
        4 => IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])),
        16 => {
            let mut arr = [0u8; 16];
            arr.copy_from_slice(&b);
            IpAddr::V6(Ipv6Addr::from(arr))
        }
        _ => return None,
    };
    Some((crate::registry::addr::canon(ip), port))
}

pub fn parse_line(line: &str) -> Option<Socket> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 10 || !f[0].ends_with(':') {
        return None;
    }
    let (local, local_port) = endpoint(f[1])?;
    let (remote, remote_port) = endpoint(f[2])?;
    Some(Socket {
        local,
        local_port,
        remote,
        remote_port,
        state: u8::from_str_radix(f[3], 16).ok()?,
        uid: f[7].parse().ok()?,
        inode: f[9].parse().ok()?,
    })
}

/// Every socket in the file (the header line is skipped).
pub fn parse(text: &str) -> Vec<Socket> {
    text.lines().filter_map(parse_line).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESTABLISHED: u8 = 1;

    #[test]
    fn tcp4_established() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 19513 1 0000000000000000 100 0 0 10 0
   1: 0200007F:0017 0100007F:D5E6 01 00000000:00000000 02:000A6EDF 00000000  1000        0 45678 2 0000000000000000 20 4 30 10 -1
";
        let s = parse(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].state, LISTEN);
        assert_eq!(s[1].local, "127.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!((s[1].local_port, s[1].remote_port), (23, 0xd5e6));
        assert_eq!(
            (s[1].state, s[1].uid, s[1].inode),
            (ESTABLISHED, 1000, 45678)
        );
    }

    #[test]
    fn tcp6_and_mapped() {
        let text = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0016 00000000000000000000000001000000:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 0 10 -1
   1: 0000000000000000FFFF00000300007F:0017 0000000000000000FFFF00000100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 20 4 0 10 -1
   2: B80D01200000000000000000010000000:0050 0 01 0 0 0 0 0 9
";
        let s = parse(text);
        assert_eq!(s.len(), 2, "malformed third line skipped");
        assert_eq!(s[0].local, "::1".parse::<IpAddr>().unwrap());
        assert_eq!(
            s[1].local,
            "127.0.0.3".parse::<IpAddr>().unwrap(),
            "mapped becomes v4"
        );
        assert_eq!(s[1].remote, "127.0.0.1".parse::<IpAddr>().unwrap());
    }
}
