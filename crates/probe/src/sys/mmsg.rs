//! Batched receive: every queued datagram of a probe socket (up to a batch)
//! in one `recvmmsg` system call instead of one `recvmsg` each plus the one
//! that finds the queue empty.

use super::socket::{parse_control, ProbeSocket, RecvMeta};
use socket2::SockAddr;
use std::io;
use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Control buffer per datagram (the same size as a single receive's).
type Ctrl = [u64; 64];

/// Scratch space of [`ProbeSocket::recv_batch`]: one buffer, control buffer
/// and address per datagram, reused from call to call; and what the last
/// call received.
pub struct RecvBatch {
    bufs: Vec<Vec<u8>>,
    ctrl: Vec<Ctrl>,
    names: Vec<libc::sockaddr_storage>,
    got: Vec<RecvMeta>,
}

impl std::fmt::Debug for RecvBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvBatch")
            .field("datagrams", &self.bufs.len())
            .field("got", &self.got.len())
            .finish()
    }
}

impl RecvBatch {
    /// Room for `n` datagrams (at least 1) of up to `size` bytes each (longer ones are truncated).
    pub fn new(n: usize, size: usize) -> RecvBatch {
        let n = n.max(1);
        RecvBatch {
            // Each allocated zeroed on its own (not cloned): untouched pages stay unmapped.
            bufs: (0..n).map(|_| vec![0; size]).collect(),
            ctrl: vec![[0; 64]; n],
            // SAFETY: an all-zero sockaddr_storage is a valid (AF_UNSPEC) value.
            names: vec![unsafe { std::mem::zeroed() }; n],
            got: Vec::with_capacity(n),
        }
    }

    /// The datagrams the last call received: bytes (truncated to the buffer) and metadata.
    pub fn received(&self) -> impl Iterator<Item = (&[u8], &RecvMeta)> {
        self.got
            .iter()
            .zip(&self.bufs)
            .map(|(m, b)| (&b[..m.len.min(b.len())], m))
    }
}

impl ProbeSocket {
    /// Receives the queued datagrams, up to the batch's room, without
    /// blocking; returns how many ([`RecvBatch::received`] lists them), 0 when none was queued.
    pub fn recv_batch(&self, batch: &mut RecvBatch) -> io::Result<usize> {
        batch.got.clear();
        let n = batch.bufs.len();
        let mut iovs: Vec<libc::iovec> = batch
            .bufs
            .iter_mut()
            .map(|b| libc::iovec {
                iov_base: b.as_mut_ptr().cast(),
                iov_len: b.len(),
            })
            .collect();
        let mut msgs: Vec<libc::mmsghdr> = (0..n)
            .map(|i| {
                // SAFETY: an all-zero mmsghdr is a valid "empty" value; its pointers are set here.
                let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
                m.msg_hdr.msg_name = (&mut batch.names[i] as *mut libc::sockaddr_storage).cast();
                m.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
                m.msg_hdr.msg_iov = &mut iovs[i];
                m.msg_hdr.msg_iovlen = 1;
                m.msg_hdr.msg_control = batch.ctrl[i].as_mut_ptr().cast();
                m.msg_hdr.msg_controllen = size_of::<Ctrl>();
                m
            })
            .collect();
        // SAFETY: `msgs` holds `n` headers whose pointers lead to live buffers (`iovs` -> `bufs`,
        // `names`, `ctrl`) of the sizes declared; none of them moves during the call.
        let rc = unsafe {
            libc::recvmmsg(
                self.fd(),
                msgs.as_mut_ptr(),
                n as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if rc < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                _ => Err(e),
            };
        }
        for (i, m) in msgs.iter().take(rc as usize).enumerate() {
            let from =
                address(&batch.names[i], m.msg_hdr.msg_namelen).unwrap_or(match self.family() {
                    crate::wire::Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                    crate::wire::Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                });
            // SAFETY: the kernel filled header `i` in this successful call; its control data
            // lies inside `batch.ctrl[i]`, still alive.
            let control = unsafe { parse_control(&m.msg_hdr) };
            batch.got.push(RecvMeta {
                len: m.msg_len as usize,
                from,
                rx_kernel: control.stamp,
                ttl: control.ttl,
            });
        }
        Ok(batch.got.len())
    }
}

/// The IP address in a sockaddr the kernel filled (`len` bytes), if any.
fn address(name: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<IpAddr> {
    if len == 0 {
        return None;
    }
    // SAFETY: the kernel initialised `len` bytes of `name`, a sockaddr_storage.
    let addr = unsafe { SockAddr::new(*name, len) };
    addr.as_socket().map(|a| a.ip())
}
