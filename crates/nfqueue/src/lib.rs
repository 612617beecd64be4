//! A minimal NFQUEUE client: the netfilter queue protocol over a netlink
//! socket, in safe code on a `socket2` socket (no C library). A crate of its
//! own so that the bench's CLI crate opens no socket itself: the crates that
//! own sockets (this one and `migprobe-probe`) depend on no CLI, chart or
//! libvirt crate.
//!
//! A netfilter rule (`iptables ... -j NFQUEUE --queue-num N`, or nftables'
//! `queue num N` where the kernel has it) hands every matching packet to user
//! space; the kernel keeps it until a verdict comes. `migprobe-hold` binds the queue
//! and accepts every packet at once, so SIGSTOP of that process **holds** all
//! traffic to the target (whatever its protocol: the target's kernel answers
//! ICMP echo, TCP SYNs and UDP alike) and SIGCONT releases the queue: a
//! protocol-independent freeze for the accuracy bench.
//!
//! Only what that needs: bind with metadata-only copies and a queue length,
//! read packet ids, accept up to an id in one batch verdict. The message
//! builders and the parser are pure and unit-tested; [`Queue`] does the I/O.

use socket2::{Domain, Protocol, Socket, Type};
use std::io::{self, Read, Write};

/// Netlink protocol number of netfilter (NETLINK_NETFILTER).
const NETLINK_NETFILTER: i32 = 12;
/// nfnetlink subsystem of the queue (NFNL_SUBSYS_QUEUE).
const SUBSYS_QUEUE: u16 = 3;
const MSG_PACKET: u16 = 0;
const MSG_CONFIG: u16 = 2;
const MSG_VERDICT_BATCH: u16 = 3;
const ATTR_PACKET_HDR: u16 = 1;
const ATTR_VERDICT_HDR: u16 = 2;
const ATTR_CFG_CMD: u16 = 1;
const ATTR_CFG_PARAMS: u16 = 2;
const ATTR_CFG_QUEUE_MAXLEN: u16 = 3;
const CMD_BIND: u8 = 1;
const COPY_META: u8 = 1;
const NF_ACCEPT: u32 = 1;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;
const NLMSG_ERROR: u16 = 2;
const NLA_TYPE_MASK: u16 = 0x3fff;
const NLMSG_HDR_LEN: usize = 16;
const NFGEN_HDR_LEN: usize = 4;

/// Rounds up to netlink's 4-byte alignment.
fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// One nfnetlink queue message: netlink header, nfgenmsg (queue number as
/// resource id) and attributes.
fn message(msg: u16, flags: u16, seq: u32, queue: u16, attrs: &[(u16, &[u8])]) -> Vec<u8> {
    let mut b = Vec::with_capacity(64);
    b.extend_from_slice(&[0; 4]); // length, set below
    b.extend_from_slice(&((SUBSYS_QUEUE << 8) | msg).to_ne_bytes());
    b.extend_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
    b.extend_from_slice(&seq.to_ne_bytes());
    b.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it in
    b.extend_from_slice(&[0, 0]); // family AF_UNSPEC, version 0
    b.extend_from_slice(&queue.to_be_bytes());
    for (ty, data) in attrs {
        let len = u16::try_from(4 + data.len()).unwrap_or(u16::MAX);
        b.extend_from_slice(&len.to_ne_bytes());
        b.extend_from_slice(&ty.to_ne_bytes());
        b.extend_from_slice(data);
        b.resize(align4(b.len()), 0);
    }
    let total = u32::try_from(b.len()).unwrap_or(u32::MAX);
    b[..4].copy_from_slice(&total.to_ne_bytes());
    b
}

/// The configuration messages that bind `queue`, copy metadata only (no
/// payload) and let the kernel hold up to `max_len` packets.
pub fn bind_messages(queue: u16, max_len: u32) -> Vec<Vec<u8>> {
    let mut params = 0u32.to_be_bytes().to_vec(); // copy range
    params.push(COPY_META);
    vec![
        message(
            MSG_CONFIG,
            NLM_F_ACK,
            1,
            queue,
            &[(ATTR_CFG_CMD, &[CMD_BIND, 0, 0, 0])],
        ),
        message(
            MSG_CONFIG,
            NLM_F_ACK,
            2,
            queue,
            &[(ATTR_CFG_PARAMS, &params)],
        ),
        message(
            MSG_CONFIG,
            NLM_F_ACK,
            3,
            queue,
            &[(ATTR_CFG_QUEUE_MAXLEN, &max_len.to_be_bytes())],
        ),
    ]
}

/// A batch verdict: accept every packet of `queue` with an id up to `id`.
pub fn accept_up_to(queue: u16, id: u32) -> Vec<u8> {
    let mut hdr = NF_ACCEPT.to_be_bytes().to_vec();
    hdr.extend_from_slice(&id.to_be_bytes());
    message(MSG_VERDICT_BATCH, 0, 0, queue, &[(ATTR_VERDICT_HDR, &hdr)])
}

/// What one datagram from the queue socket held.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Packet ids handed to user space, in order.
    pub ids: Vec<u32>,
    /// Errors the kernel answered to a request (negative errno values).
    pub errors: Vec<i32>,
    /// Acknowledgements (error 0) received.
    pub acks: usize,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Parses the netlink messages of one datagram; malformed tails are ignored.
pub fn parse(buf: &[u8]) -> Batch {
    let mut out = Batch::default();
    let mut at = 0;
    while let (Some(len), Some(ty)) = (u32_at(buf, at), u16_at(buf, at + 4)) {
        let len = usize::try_from(len).unwrap_or(0);
        if len < NLMSG_HDR_LEN || at + len > buf.len() {
            break;
        }
        let body = &buf[at + NLMSG_HDR_LEN..at + len];
        if ty == NLMSG_ERROR {
            match body
                .get(..4)
                .map(|e| i32::from_ne_bytes([e[0], e[1], e[2], e[3]]))
            {
                Some(0) => out.acks += 1,
                Some(e) => out.errors.push(e),
                None => {}
            }
        } else if ty == (SUBSYS_QUEUE << 8) | MSG_PACKET {
            if let Some(id) = packet_id(body) {
                out.ids.push(id);
            }
        }
        at += align4(len);
    }
    out
}

/// The packet id in a queued packet's attributes (NFQA_PACKET_HDR, big-endian).
fn packet_id(body: &[u8]) -> Option<u32> {
    let mut at = NFGEN_HDR_LEN;
    while let (Some(len), Some(ty)) = (u16_at(body, at), u16_at(body, at + 2)) {
        let len = usize::from(len);
        if len < 4 || at + len > body.len() {
            return None;
        }
        if ty & NLA_TYPE_MASK == ATTR_PACKET_HDR {
            let v = body.get(at + 4..at + 8)?;
            return Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]]));
        }
        at += align4(len);
    }
    None
}

/// A bound NFQUEUE: read packet ids, accept them.
#[derive(Debug)]
pub struct Queue {
    sock: Socket,
    queue: u16,
    buf: Vec<u8>,
}

impl Queue {
    /// Opens a netfilter netlink socket and binds `queue` (needs CAP_NET_ADMIN).
    /// The socket's receive buffer must hold every packet the kernel queues
    /// (a metadata copy each, about 1 KiB of buffer): `rcvbuf` bytes are
    /// forced (SO_RCVBUFFORCE), above net.core.rmem_max.
    pub fn bind(queue: u16, max_len: u32, rcvbuf: usize) -> io::Result<Queue> {
        let sock = Socket::new(
            Domain::from(libc::AF_NETLINK),
            Type::RAW,
            Some(Protocol::from(NETLINK_NETFILTER)),
        )?;
        migprobe_probe::sys::socket::force_recv_buffer(&sock, rcvbuf)?;
        let mut q = Queue {
            sock,
            queue,
            buf: vec![0; 1 << 16],
        };
        for m in bind_messages(queue, max_len) {
            (&q.sock).write_all(&m)?;
            let b = q.read_batch(true)?.unwrap_or_default();
            if let Some(e) = b.errors.first() {
                return Err(io::Error::from_raw_os_error(-e));
            }
        }
        Ok(q)
    }

    /// Reads one datagram (waiting when `wait`; `None` when nothing is there).
    pub fn read_batch(&mut self, wait: bool) -> io::Result<Option<Batch>> {
        self.sock.set_nonblocking(!wait)?;
        match (&self.sock).read(&mut self.buf) {
            Ok(n) => Ok(Some(parse(&self.buf[..n]))),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Accepts every queued packet with an id up to `id`.
    pub fn accept_up_to(&self, id: u32) -> io::Result<()> {
        (&self.sock).write_all(&accept_up_to(self.queue, id))
    }

    /// Sets how long a waiting read may block (so the caller can check a stop flag).
    pub fn set_read_timeout(&self, t: std::time::Duration) -> io::Result<()> {
        self.sock.set_read_timeout(Some(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A queued-packet message as the kernel sends it, with `id`.
    fn packet(id: u32) -> Vec<u8> {
        let mut hdr = id.to_be_bytes().to_vec();
        hdr.extend_from_slice(&[0x08, 0x00, 1, 0]); // hw protocol IPv4, hook, pad
        let mut m = message(
            MSG_PACKET,
            0,
            0,
            0,
            &[(9, &[1, 2, 3, 4]), (ATTR_PACKET_HDR, &hdr)],
        );
        m[6..8].copy_from_slice(&0u16.to_ne_bytes());
        m
    }

    #[test]
    fn encodes_bind_and_verdict_with_lengths_and_big_endian_fields() {
        let ms = bind_messages(7, 20_000);
        assert_eq!(ms.len(), 3);
        for m in &ms {
            assert_eq!(u32_at(m, 0), Some(m.len() as u32));
            assert_eq!(m.len() % 4, 0);
            assert_eq!(u16_at(m, 4), Some((3 << 8) | 2));
            assert_eq!(&m[18..20], &7u16.to_be_bytes());
        }
        // params: nla_len 9 (4 + range 4 + mode 1), padded to 12
        assert_eq!(u16_at(&ms[1], 20), Some(9));
        assert_eq!(ms[1][28], COPY_META);
        assert_eq!(&ms[2][24..28], &20_000u32.to_be_bytes());
        let v = accept_up_to(7, 0x0102_0304);
        assert_eq!(u16_at(&v, 4), Some((3 << 8) | 3));
        assert_eq!(&v[24..28], &1u32.to_be_bytes());
        assert_eq!(&v[28..32], &[1, 2, 3, 4]);
    }

    #[test]
    fn parses_packets_acks_errors_and_stops_at_garbage() {
        let mut buf = packet(41);
        buf.extend(packet(42));
        let mut ack = message(0, 0, 0, 0, &[]);
        ack[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
        ack[16..20].copy_from_slice(&0i32.to_ne_bytes());
        buf.extend(&ack);
        let mut err = ack.clone();
        err[16..20].copy_from_slice(&(-1i32).to_ne_bytes());
        buf.extend(&err);
        buf.extend([0xff; 7]);
        let b = parse(&buf);
        assert_eq!(b.ids, vec![41, 42]);
        assert_eq!(b.acks, 1);
        assert_eq!(b.errors, vec![-1]);
        assert_eq!(parse(&[]), Batch::default());
        assert_eq!(parse(&[200, 0, 0, 0, 0, 3, 0, 0]), Batch::default());
    }
}
