//! Classic BPF programs for the raw sockets: on ICMP sockets they pass our
//! echo replies and every ICMP error and drop other programs' echo replies
//! (as iputils ping does); on TCP sockets they pass only segments from the
//! probed port.
//!
//! Raw IPv4 sockets see the packet from the IP header; raw IPv6 sockets from
//! the ICMPv6 (TCP) header. The ICMP type filter has already dropped other types.

use crate::wire::Family;

const LD_B_ABS: u16 = 0x30; // BPF_LD | BPF_B | BPF_ABS
const LD_H_ABS: u16 = 0x28; // BPF_LD | BPF_H | BPF_ABS
const LD_B_IND: u16 = 0x50; // BPF_LD | BPF_B | BPF_IND
const LD_H_IND: u16 = 0x48; // BPF_LD | BPF_H | BPF_IND
const LDX_B_MSH: u16 = 0xb1; // BPF_LDX | BPF_B | BPF_MSH
const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const RET_K: u16 = 0x06; // BPF_RET | BPF_K

fn op(code: u16, jt: u8, jf: u8, k: u32) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// The filter for a raw socket of `family` whose echo requests carry `ident`.
pub(crate) fn ident_filter(family: Family, ident: u16) -> Vec<libc::sock_filter> {
    let accept = op(RET_K, 0, 0, u32::MAX);
    let reject = op(RET_K, 0, 0, 0);
    let ident = u32::from(ident);
    match family {
        Family::V4 => vec![
            op(LDX_B_MSH, 0, 0, 0), // X = IP header length
            op(LD_B_IND, 0, 0, 0),  // A = ICMP type
            op(JEQ_K, 0, 3, 0),     // echo reply? else accept (an error)
            op(LD_H_IND, 0, 0, 4),  // A = identifier
            op(JEQ_K, 0, 2, ident), // ours? else reject
            accept,
            accept,
            reject,
        ],
        Family::V6 => vec![
            op(LD_B_ABS, 0, 0, 0),
            op(JEQ_K, 0, 3, 129),
            op(LD_H_ABS, 0, 0, 4),
            op(JEQ_K, 0, 2, ident),
            accept,
            accept,
            reject,
        ],
    }
}

/// The filter for a raw TCP socket probing `port`: segments from that port only.
pub(crate) fn tcp_port_filter(family: Family, port: u16) -> Vec<libc::sock_filter> {
    let port = u32::from(port);
    let head = match family {
        Family::V4 => vec![
            op(LDX_B_MSH, 0, 0, 0), // X = IP header length
            op(LD_H_IND, 0, 0, 0),  // A = TCP source port
        ],
        Family::V6 => vec![op(LD_H_ABS, 0, 0, 0)],
    };
    let tail = [
        op(JEQ_K, 0, 1, port),
        op(RET_K, 0, 0, u32::MAX),
        op(RET_K, 0, 0, 0),
    ];
    head.into_iter().chain(tail).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny interpreter for the opcodes above, so the programs are tested on real packets.
    fn run(prog: &[libc::sock_filter], pkt: &[u8]) -> u32 {
        let (mut a, mut x, mut pc) = (0u32, 0u32, 0usize);
        let byte = |i: usize| pkt.get(i).copied().map(u32::from);
        loop {
            let i = prog[pc];
            pc += 1;
            match i.code {
                LD_B_ABS => a = byte(i.k as usize).unwrap_or(0),
                LD_H_ABS => {
                    a = (byte(i.k as usize).unwrap_or(0) << 8) | byte(i.k as usize + 1).unwrap_or(0)
                }
                LD_B_IND => a = byte((x + i.k) as usize).unwrap_or(0),
                LD_H_IND => {
                    let o = (x + i.k) as usize;
                    a = (byte(o).unwrap_or(0) << 8) | byte(o + 1).unwrap_or(0)
                }
                LDX_B_MSH => x = (byte(i.k as usize).unwrap_or(0) & 0xf) * 4,
                JEQ_K => pc += usize::from(if a == i.k { i.jt } else { i.jf }),
                RET_K => return i.k,
                c => panic!("opcode {c:#x}"),
            }
        }
    }

    #[test]
    fn passes_own_replies_and_errors_only() {
        let mut v4 = vec![0x45u8; 20];
        v4.extend_from_slice(&[0, 0, 0, 0, 0x12, 0x34, 0, 1]);
        let p4 = ident_filter(Family::V4, 0x1234);
        assert_eq!(run(&p4, &v4), u32::MAX, "own reply");
        v4[24] = 0x99;
        assert_eq!(run(&p4, &v4), 0, "other program's reply");
        v4[20] = 3;
        assert_eq!(run(&p4, &v4), u32::MAX, "errors pass");

        let mut v6 = vec![129u8, 0, 0, 0, 0x12, 0x34, 0, 1];
        let p6 = ident_filter(Family::V6, 0x1234);
        assert_eq!(run(&p6, &v6), u32::MAX);
        v6[5] = 0x35;
        assert_eq!(run(&p6, &v6), 0);
        v6[0] = 1;
        assert_eq!(run(&p6, &v6), u32::MAX);
    }

    #[test]
    fn passes_segments_from_the_probed_port_only() {
        let mut v4 = vec![0x46u8; 24]; // IHL 6: options before the TCP header
        v4.extend_from_slice(&[0x1f, 0x90, 0x9c, 0x40]);
        let p4 = tcp_port_filter(Family::V4, 8080);
        assert_eq!(run(&p4, &v4), u32::MAX);
        v4[25] = 0x91;
        assert_eq!(run(&p4, &v4), 0);
        let p6 = tcp_port_filter(Family::V6, 8080);
        assert_eq!(run(&p6, &[0x1f, 0x90, 0, 0]), u32::MAX);
        assert_eq!(run(&p6, &[0x00, 0x16, 0x1f, 0x90]), 0);
    }
}
