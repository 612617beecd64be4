//! Probe sockets with kernel software timestamps on send and receive: ICMP
//! (raw or unprivileged datagram "ping" sockets), raw TCP (SYN probes) and
//! datagram UDP; and the helpers TCP probes need (held source ports, the
//! route's source address).

use crate::types::RealNs;
use crate::wire::Family;
use serde::{Deserialize, Serialize};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::mem::{size_of, MaybeUninit};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;

/// Which kind of ICMP socket a run uses.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SocketKind {
    /// `SOCK_RAW`: needs CAP_NET_RAW; sees every ICMP packet, filtered in kernel and here.
    Raw,
    /// `SOCK_DGRAM` + IPPROTO_ICMP: allowed by `net.ipv4.ping_group_range`; the kernel
    /// owns the identifier and delivers only this socket's replies.
    Dgram,
}

/// Metadata of one received datagram.
#[derive(Debug, Clone, Copy)]
pub struct RecvMeta {
    /// Bytes received (the buffer may hold fewer if `truncated`).
    pub len: usize,
    /// Sender address.
    pub from: IpAddr,
    /// Kernel software RX timestamp, when the kernel gave one.
    pub rx_kernel: Option<RealNs>,
    /// TTL / hop limit from a control message (datagram IPv4 and all IPv6).
    pub ttl: Option<u8>,
}

/// One entry of the socket's error queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrQueueEntry {
    /// A transmit timestamp; `key` is the OPT_ID counter (0, 1, 2, ... per sent datagram).
    TxStamp {
        /// OPT_ID key of the datagram.
        key: u32,
        /// Kernel software TX time.
        at: RealNs,
    },
    /// An ICMP error about one of our datagrams (datagram sockets with IP_RECVERR).
    Icmp {
        /// ICMP type of the error.
        icmp_type: u8,
        /// ICMP code of the error.
        code: u8,
        /// The router or host that sent the error.
        offender: Option<IpAddr>,
        /// Kernel RX time of the error, when given.
        at: Option<RealNs>,
        /// Our ICMP echo request as the kernel kept it.
        original: Vec<u8>,
    },
    /// A local error (e.g. message too long) with its errno.
    Local {
        /// The errno value.
        errno: i32,
    },
}

const SOF_FLAGS: libc::c_uint = libc::SOF_TIMESTAMPING_TX_SOFTWARE
    | libc::SOF_TIMESTAMPING_RX_SOFTWARE
    | libc::SOF_TIMESTAMPING_SOFTWARE
    | libc::SOF_TIMESTAMPING_OPT_ID
    | libc::SOF_TIMESTAMPING_OPT_TSONLY;
const SOL_RAW: libc::c_int = 255;
const ICMP_FILTER: libc::c_int = 1;
const ICMP6_FILTER: libc::c_int = 1;

/// The IP protocol a probe socket speaks.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Proto {
    /// ICMP / ICMPv6 echo (raw or datagram socket).
    Icmp,
    /// TCP SYN probes on a raw socket (needs CAP_NET_RAW).
    Tcp,
    /// UDP probes on a datagram socket; ICMP errors arrive on its error queue.
    Udp,
}

/// A probe socket of one family, kind and protocol.
#[derive(Debug)]
pub struct ProbeSocket {
    sock: Socket,
    family: Family,
    kind: SocketKind,
    proto: Proto,
}

pub(super) fn setsockopt<T>(
    sock: &Socket,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    // SAFETY: `value` points to a live `T` of exactly size_of::<T>() bytes for the duration of the call.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            name,
            (value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Sets a socket's receive buffer with SO_RCVBUFFORCE, which may exceed
/// `net.core.rmem_max` (needs CAP_NET_ADMIN). The kernel doubles the value for
/// its bookkeeping, as with SO_RCVBUF.
pub fn force_recv_buffer(sock: &Socket, bytes: usize) -> io::Result<()> {
    let v = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    setsockopt(sock, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, &v)
}

/// A bare raw ICMP socket of `family`, for a user-space echo responder (the
/// accuracy bench's `migprobe-echo`): no timestamps, no filter, the kernel's
/// default buffer. The caller configures it.
pub fn raw_icmp(family: Family) -> io::Result<Socket> {
    let (domain, proto) = match family {
        Family::V4 => (Domain::IPV4, Protocol::ICMPV4),
        Family::V6 => (Domain::IPV6, Protocol::ICMPV6),
    };
    Socket::new(domain, Type::RAW, Some(proto))
}

impl ProbeSocket {
    /// Opens a socket and turns on timestamps, TTL reporting and (raw
    /// sockets) the ICMP type filter. The caller sizes the receive buffer to
    /// its probe rate with [`ProbeSocket::grow_recv_buffer`].
    pub fn open(family: Family, kind: SocketKind) -> io::Result<ProbeSocket> {
        ProbeSocket::open_proto(family, Proto::Icmp, kind)
    }

    /// Opens a socket for `proto` probes: ICMP of either `kind`, TCP raw,
    /// UDP datagram (`kind` is then implied). Timestamps, TTL reporting and
    /// the error queue are set up as for ICMP; raw IPv6 TCP sockets have the
    /// kernel compute and verify checksums (`IPV6_CHECKSUM`).
    pub fn open_proto(family: Family, proto: Proto, kind: SocketKind) -> io::Result<ProbeSocket> {
        let domain = match family {
            Family::V4 => Domain::IPV4,
            Family::V6 => Domain::IPV6,
        };
        let (kind, protocol) = match (proto, family) {
            (Proto::Icmp, Family::V4) => (kind, Protocol::ICMPV4),
            (Proto::Icmp, Family::V6) => (kind, Protocol::ICMPV6),
            (Proto::Tcp, _) => (SocketKind::Raw, Protocol::TCP),
            (Proto::Udp, _) => (SocketKind::Dgram, Protocol::UDP),
        };
        let ty = match kind {
            SocketKind::Raw => Type::RAW,
            SocketKind::Dgram => Type::DGRAM,
        };
        let sock = Socket::new(domain, ty, Some(protocol))?;
        sock.set_cloexec(true)?;
        setsockopt(
            &sock,
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPING,
            &(SOF_FLAGS as libc::c_int),
        )?;
        let on: libc::c_int = 1;
        match family {
            Family::V4 => {
                setsockopt(&sock, libc::IPPROTO_IP, libc::IP_RECVTTL, &on)?;
                if kind == SocketKind::Dgram {
                    setsockopt(&sock, libc::IPPROTO_IP, libc::IP_RECVERR, &on)?;
                }
            }
            Family::V6 => {
                setsockopt(&sock, libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT, &on)?;
                if kind == SocketKind::Dgram {
                    setsockopt(&sock, libc::IPPROTO_IPV6, libc::IPV6_RECVERR, &on)?;
                }
            }
        }
        if proto == Proto::Tcp && family == Family::V6 {
            let checksum_offset: libc::c_int = 16;
            setsockopt(
                &sock,
                libc::IPPROTO_IPV6,
                libc::IPV6_CHECKSUM,
                &checksum_offset,
            )?;
        }
        let s = ProbeSocket {
            sock,
            family,
            kind,
            proto,
        };
        if kind == SocketKind::Raw && proto == Proto::Icmp {
            s.set_type_filter()?;
        }
        Ok(s)
    }

    /// Raises the receive buffer to `bytes` (SO_RCVBUFFORCE, else SO_RCVBUF
    /// within `net.core.rmem_max`) when it is smaller; returns the buffer the
    /// socket has afterwards (as the kernel reports it: twice what was set).
    pub fn grow_recv_buffer(&self, bytes: usize) -> io::Result<usize> {
        if self.sock.recv_buffer_size()? < bytes.saturating_mul(2)
            && force_recv_buffer(&self.sock, bytes).is_err()
        {
            self.sock.set_recv_buffer_size(bytes)?;
        }
        self.sock.recv_buffer_size()
    }

    /// The socket's descriptor, for the batched calls of [`super::mmsg`].
    pub(super) fn fd(&self) -> std::os::fd::RawFd {
        self.sock.as_raw_fd()
    }

    /// The socket's family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The socket's kind.
    pub fn kind(&self) -> SocketKind {
        self.kind
    }

    /// The socket's protocol.
    pub fn proto(&self) -> Proto {
        self.proto
    }

    /// Passes only echo replies and the ICMP errors we record (kernel type filter).
    fn set_type_filter(&self) -> io::Result<()> {
        match self.family {
            Family::V4 => {
                let pass: u32 = [0u32, 3, 4, 11, 12].iter().map(|t| 1u32 << t).sum();
                setsockopt(&self.sock, SOL_RAW, ICMP_FILTER, &!pass)
            }
            Family::V6 => {
                let mut block = [u32::MAX; 8];
                for t in [129u32, 1, 2, 3, 4] {
                    block[(t >> 5) as usize] &= !(1 << (t & 31));
                }
                setsockopt(&self.sock, libc::IPPROTO_ICMPV6, ICMP6_FILTER, &block)
            }
        }
    }

    /// Attaches a classic BPF program (see `probe::filter`).
    pub fn attach_filter(&self, program: &[libc::sock_filter]) -> io::Result<()> {
        self.sock.attach_filter(program)
    }

    /// The kernel-chosen identifier of a datagram socket (its local "port"), after the first send.
    pub fn local_ident(&self) -> Option<u16> {
        self.sock.local_addr().ok()?.as_socket().map(|a| a.port())
    }

    /// Sends one probe to `dst`: `port` is the UDP destination port, 0 for raw sockets.
    pub fn send_to(&self, buf: &[u8], dst: IpAddr, port: u16) -> io::Result<()> {
        self.sock
            .send_to(buf, &SockAddr::from(SocketAddr::new(dst, port)))
            .map(|_| ())
    }

    /// Waits up to `timeout_ms` for data; returns (readable, error-queue pending).
    pub fn wait(&self, timeout_ms: i32) -> io::Result<(bool, bool)> {
        let mut pfd = libc::pollfd {
            fd: self.sock.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: `pfd` is one valid pollfd and nfds is 1.
        let rc = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
        if rc < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::Interrupted {
                Ok((false, false))
            } else {
                Err(e)
            };
        }
        Ok((
            pfd.revents & libc::POLLIN != 0,
            pfd.revents & libc::POLLERR != 0,
        ))
    }

    /// Receives one datagram without blocking; `Ok(None)` when nothing is queued.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<RecvMeta>> {
        let Some(got) = recvmsg(&self.sock, buf, libc::MSG_DONTWAIT)? else {
            return Ok(None);
        };
        let from = got.from.unwrap_or(match self.family {
            Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        });
        Ok(Some(RecvMeta {
            len: got.len,
            from,
            rx_kernel: got.control.stamp,
            ttl: got.control.ttl,
        }))
    }

    /// Drains the error queue (TX timestamps, ICMP errors) into `out` without blocking.
    pub fn drain_errqueue(&self, out: &mut Vec<ErrQueueEntry>) -> io::Result<()> {
        self.drain_errqueue_until(out, |_| false)
    }

    /// Drains the error queue into `out` without blocking, stopping after the
    /// first entry for which `last` is true (one system call instead of two
    /// when the entry wanted — a send's own TX stamp — is the only one queued).
    pub fn drain_errqueue_until(
        &self,
        out: &mut Vec<ErrQueueEntry>,
        last: impl Fn(&ErrQueueEntry) -> bool,
    ) -> io::Result<()> {
        let mut buf = [0u8; 2048];
        while let Some(got) = recvmsg(
            &self.sock,
            &mut buf,
            libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT,
        )? {
            let Some(entry) = queued_entry(&got.control, &buf[..got.len.min(buf.len())]) else {
                continue;
            };
            let done = last(&entry);
            out.push(entry);
            if done {
                break;
            }
        }
        Ok(())
    }
}

/// Holds `n` local TCP ports of `family` for the run: each is a TCP socket
/// bound to a port the kernel picks and never listening, so no other local
/// connection can use the port, and the kernel answers a SYN-ACK arriving on
/// it with an RST (the handshake of a SYN probe is never completed).
pub fn hold_tcp_ports(family: Family, n: usize) -> io::Result<Vec<(Socket, u16)>> {
    (0..n)
        .map(|_| {
            let (domain, any) = match family {
                Family::V4 => (Domain::IPV4, IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                Family::V6 => (Domain::IPV6, IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            };
            let sock = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
            sock.set_cloexec(true)?;
            if family == Family::V6 {
                sock.set_only_v6(true)?;
            }
            sock.bind(&SockAddr::from(SocketAddr::new(any, 0)))?;
            let port = sock.local_addr()?.as_socket().map_or(0, |a| a.port());
            Ok((sock, port))
        })
        .collect()
}

/// The local address the kernel's routing table picks to reach `dst` (no
/// packet is sent: a UDP socket is connected and asked for its address).
pub fn route_source(dst: IpAddr) -> io::Result<IpAddr> {
    let domain = match dst {
        IpAddr::V4(_) => Domain::IPV4,
        IpAddr::V6(_) => Domain::IPV6,
    };
    let sock = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    sock.connect(&SockAddr::from(SocketAddr::new(dst, 9)))?;
    sock.local_addr()?
        .as_socket()
        .map(|a| a.ip())
        .ok_or_else(|| io::Error::new(io::ErrorKind::AddrNotAvailable, "no local address"))
}

/// The parts of `sock_extended_err` the prober uses.
#[derive(Debug, Clone, Copy)]
pub(super) struct ExtErr {
    errno: i32,
    origin: u8,
    icmp_type: u8,
    code: u8,
    data: u32,
    offender: Option<IpAddr>,
}

#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Control {
    pub(super) stamp: Option<RealNs>,
    pub(super) ttl: Option<u8>,
    pub(super) ext_err: Option<ExtErr>,
}

/// The error-queue entry one received message stands for (`bytes`: what it
/// carried, the original datagram of an ICMP error), if it is one.
pub(super) fn queued_entry(control: &Control, bytes: &[u8]) -> Option<ErrQueueEntry> {
    let ee = control.ext_err?;
    Some(match ee.origin {
        libc::SO_EE_ORIGIN_TIMESTAMPING => ErrQueueEntry::TxStamp {
            key: ee.data,
            at: control.stamp?,
        },
        libc::SO_EE_ORIGIN_ICMP | libc::SO_EE_ORIGIN_ICMP6 => ErrQueueEntry::Icmp {
            icmp_type: ee.icmp_type,
            code: ee.code,
            offender: ee.offender,
            at: control.stamp,
            original: bytes.to_vec(),
        },
        _ => ErrQueueEntry::Local { errno: ee.errno },
    })
}

/// One `recvmsg`'s outcome: bytes, sender, control messages.
pub(super) struct Received {
    pub(super) len: usize,
    pub(super) from: Option<IpAddr>,
    pub(super) control: Control,
}

/// One `recvmsg` with room for the sender and control messages; `Ok(None)`
/// when nothing is queued (or a signal interrupted it).
pub(super) fn recvmsg(
    sock: &Socket,
    buf: &mut [u8],
    flags: libc::c_int,
) -> io::Result<Option<Received>> {
    let mut name = MaybeUninit::<libc::sockaddr_storage>::zeroed();
    let mut ctrl = [0u64; 64];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: an all-zero msghdr is a valid "empty" value; every pointer is set below.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = name.as_mut_ptr().cast();
    msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctrl.as_mut_ptr().cast();
    msg.msg_controllen = size_of::<[u64; 64]>();
    // SAFETY: `msg` points at live buffers (`name`, `iov`->`buf`, `ctrl`) sized as declared.
    let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, flags) };
    if n < 0 {
        let e = io::Error::last_os_error();
        return match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
            _ => Err(e),
        };
    }
    let from = if msg.msg_namelen > 0 {
        // SAFETY: the kernel initialised `msg_namelen` bytes of `name`, a sockaddr_storage.
        let addr = unsafe { SockAddr::new(name.assume_init(), msg.msg_namelen) };
        addr.as_socket().map(|a| a.ip())
    } else {
        None
    };
    // SAFETY: `msg` was filled by a successful recvmsg; control data lies inside `ctrl`.
    let control = unsafe { parse_control(&msg) };
    Ok(Some(Received {
        len: n as usize,
        from,
        control,
    }))
}

/// Reads the control messages of a received `msghdr`.
///
/// # Safety
/// `msg` must come from a successful `recvmsg` whose control buffer is still alive.
pub(super) unsafe fn parse_control(msg: &libc::msghdr) -> Control {
    let mut c = Control::default();
    // SAFETY (whole loop): CMSG_FIRSTHDR/NXTHDR only return headers inside the control buffer,
    // and each data read below is bounds-checked against cmsg_len first.
    let mut cmsg = libc::CMSG_FIRSTHDR(msg);
    while !cmsg.is_null() {
        let hdr = &*cmsg;
        let data = libc::CMSG_DATA(cmsg);
        let data_len = hdr.cmsg_len.saturating_sub(libc::CMSG_LEN(0) as usize);
        match (hdr.cmsg_level, hdr.cmsg_type) {
            (libc::SOL_SOCKET, libc::SCM_TIMESTAMPING)
                if data_len >= size_of::<[libc::timespec; 3]>() =>
            {
                let ts: [libc::timespec; 3] = std::ptr::read_unaligned(data.cast());
                if ts[0].tv_sec != 0 || ts[0].tv_nsec != 0 {
                    c.stamp = Some(RealNs(ts[0].tv_sec * 1_000_000_000 + ts[0].tv_nsec));
                }
            }
            (libc::IPPROTO_IP, libc::IP_TTL) | (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT)
                if data_len >= size_of::<libc::c_int>() =>
            {
                let v: libc::c_int = std::ptr::read_unaligned(data.cast());
                c.ttl = u8::try_from(v).ok();
            }
            (libc::SOL_IP, libc::IP_RECVERR) | (libc::SOL_IPV6, libc::IPV6_RECVERR)
                if data_len >= size_of::<libc::sock_extended_err>() =>
            {
                let ee: libc::sock_extended_err = std::ptr::read_unaligned(data.cast());
                let rest = data_len - size_of::<libc::sock_extended_err>();
                let off_ptr = data.add(size_of::<libc::sock_extended_err>());
                let offender = if rest >= size_of::<libc::sockaddr_in6>() {
                    let mut st = MaybeUninit::<libc::sockaddr_storage>::zeroed();
                    std::ptr::copy_nonoverlapping(
                        off_ptr,
                        st.as_mut_ptr().cast::<u8>(),
                        size_of::<libc::sockaddr_in6>(),
                    );
                    SockAddr::new(
                        st.assume_init(),
                        size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                    )
                    .as_socket()
                    .map(|a| a.ip())
                } else if rest >= size_of::<libc::sockaddr_in>() {
                    let mut st = MaybeUninit::<libc::sockaddr_storage>::zeroed();
                    std::ptr::copy_nonoverlapping(
                        off_ptr,
                        st.as_mut_ptr().cast::<u8>(),
                        size_of::<libc::sockaddr_in>(),
                    );
                    SockAddr::new(
                        st.assume_init(),
                        size_of::<libc::sockaddr_in>() as libc::socklen_t,
                    )
                    .as_socket()
                    .map(|a| a.ip())
                } else {
                    None
                };
                c.ext_err = Some(ExtErr {
                    errno: ee.ee_errno as i32,
                    origin: ee.ee_origin,
                    icmp_type: ee.ee_type,
                    code: ee.ee_code,
                    data: ee.ee_data,
                    offender,
                });
            }
            _ => {}
        }
        cmsg = libc::CMSG_NXTHDR(msg, cmsg);
    }
    c
}
