//! `--probe tcp-session:PORT`: one established TCP connection per target to
//! an echo service, kept busy with one probe message per interval.
//!
//! The send thread writes each probe's message ([`Sessions::write`]); one
//! reader thread ([`Sessions::run_reader`]) polls every connection, cuts
//! what comes back into messages ([`StreamParser`]) and hands each to the
//! engine as a datagram — so the per-probe records (sent, answered, RTT) and
//! the freeze/outage analysis are those of every other kind. Besides, each
//! connection keeps the application's view ([`AppView`]): the longest stall
//! of the byte stream and how the connection ended. A lost connection is a
//! `tcp_session_lost` event; its later probes fail to send (recorded as
//! errors): migprobe never reconnects behind the reader's back. The run ends
//! with one `tcp_session` event per target ([`Sessions::summaries`]).

pub mod view;

use super::{Datagram, ProbeMsg};
use crate::record::{kinds, EventLine};
use crate::sys::realtime_now;
use crate::sys::stream::{wait_readable, StreamRead, StreamSocket};
use crate::types::RealNs;
use crate::wire::{Family, ProbePayload, StreamParser};
use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use view::{AppView, Closed};

/// How long a connection may take to establish at the start.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Bytes of probe messages kept in user space while the kernel's send buffer
/// is full; a probe beyond that fails to send.
const MAX_UNSENT: usize = 1 << 20;
/// Bytes read per `recvmsg`.
const READ_BYTES: usize = 65_536;

/// The connections of a run, one per target.
#[derive(Debug)]
pub struct Sessions {
    port: u16,
    len: usize,
    targets: Vec<Session>,
}

#[derive(Debug)]
struct Session {
    addr: IpAddr,
    sock: StreamSocket,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    view: AppView,
    /// Bytes of messages the send buffer had no room for yet.
    unsent: Vec<u8>,
    parser: StreamParser,
    /// The `tcp_session_lost` event was sent.
    reported: bool,
}

/// A connection could not be established: the target, port and error.
#[derive(Debug)]
pub struct ConnectError {
    /// The target's address.
    pub addr: IpAddr,
    /// The port.
    pub port: u16,
    /// Why.
    pub error: io::Error,
}

impl Sessions {
    /// Connects to `port` of every target (in target order); messages are
    /// `len` bytes long.
    pub fn connect(targets: &[IpAddr], port: u16, len: usize) -> Result<Sessions, ConnectError> {
        let targets = targets
            .iter()
            .map(|&addr| {
                let sock = StreamSocket::connect(addr, port, CONNECT_TIMEOUT)
                    .map_err(|error| ConnectError { addr, port, error })?;
                let state = Mutex::new(State {
                    view: AppView::default(),
                    unsent: Vec::new(),
                    parser: StreamParser::new(len),
                    reported: false,
                });
                Ok(Session { addr, sock, state })
            })
            .collect::<Result<_, _>>()?;
        Ok(Sessions { port, len, targets })
    }

    /// Writes one probe's message (its target is in the payload) on that
    /// target's connection. Fails when the connection is lost, a write fails
    /// (the connection is then lost) or the queue of unsent bytes is full.
    pub fn write(&self, message: &[u8]) -> io::Result<()> {
        let found = ProbePayload::parse(message)
            .and_then(|p| Some((p.target, self.targets.get(p.target as usize)?)));
        let Some((_, s)) = found else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no such session",
            ));
        };
        let mut st = lock(&s.state);
        if let Some(c) = &st.view.closed {
            let e = format!("the TCP session was lost ({}: {})", c.how, c.error);
            return Err(io::Error::new(io::ErrorKind::NotConnected, e));
        }
        let now = realtime_now();
        match st.push(&s.sock, message) {
            Ok(()) => {
                st.view.wrote(message.len(), now);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(e),
            Err(e) => {
                st.view.close(closed(now, &e));
                Err(e)
            }
        }
    }

    /// Reads every connection until `stop` is set: each probe message that
    /// comes back goes to `tx` as a [`ProbeMsg::Datagram`], each lost
    /// connection as a `tcp_session_lost` event.
    pub fn run_reader(&self, tx: &Sender<ProbeMsg>, stop: &AtomicBool) {
        let mut buf = vec![0u8; READ_BYTES];
        let mut got = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let open: Vec<&Session> = self
                .targets
                .iter()
                .filter(|s| lock(&s.state).view.closed.is_none())
                .collect();
            let socks: Vec<&StreamSocket> = open.iter().map(|s| &s.sock).collect();
            let ready = wait_readable(&socks, 20).unwrap_or_default();
            for (s, _) in open.iter().zip(ready).filter(|(_, r)| *r) {
                self.read_all(s, &mut buf, &mut got);
            }
            for m in got.drain(..) {
                if tx.send(m).is_err() {
                    return;
                }
            }
            for (id, s) in self.targets.iter().enumerate() {
                if let Some(e) = self.lost_event(id, s) {
                    let _ = tx.send(ProbeMsg::Event(e));
                }
            }
        }
    }

    /// Reads what `s` has queued; its messages go to `out`.
    fn read_all(&self, s: &Session, buf: &mut [u8], out: &mut Vec<ProbeMsg>) {
        let mut payloads = Vec::new();
        loop {
            let read = s.sock.read(buf);
            let rx_user = realtime_now();
            let mut st = lock(&s.state);
            match read {
                Ok(StreamRead::Data(n, stamp)) => {
                    st.view
                        .received(n, stamp.unwrap_or(rx_user), stamp.is_some());
                    st.parser.feed(&buf[..n], &mut payloads);
                    out.extend(
                        payloads
                            .drain(..)
                            .map(|p| self.datagram(s, p, stamp, rx_user)),
                    );
                }
                Ok(StreamRead::Empty) => return,
                Ok(StreamRead::Closed) => {
                    let error = "the peer closed the connection (FIN)".to_string();
                    let how = "fin";
                    return st.view.close(Closed {
                        at: rx_user,
                        how,
                        errno: None,
                        error,
                    });
                }
                Err(e) => return st.view.close(closed(rx_user, &e)),
            }
        }
    }

    /// The datagram the engine matches for message `p` read from `s`.
    fn datagram(
        &self,
        s: &Session,
        p: ProbePayload,
        stamp: Option<RealNs>,
        rx_user: RealNs,
    ) -> ProbeMsg {
        let mut bytes = vec![0u8; self.len];
        p.write(&mut bytes);
        ProbeMsg::Datagram(Datagram {
            family: Family::of(&s.addr),
            with_ip_header: false,
            from: s.addr,
            rx_kernel: stamp,
            rx_user,
            ttl: None,
            bytes,
        })
    }

    /// The `tcp_session_lost` event of target `id`, once, when its connection is lost.
    fn lost_event(&self, id: usize, s: &Session) -> Option<EventLine> {
        let mut st = lock(&s.state);
        let c = st.view.closed.clone().filter(|_| !st.reported)?;
        st.reported = true;
        let detail = serde_json::json!({
            "target": id,
            "addr": s.addr,
            "port": self.port,
            "how": c.how,
            "errno": c.errno,
            "error": c.error,
        });
        Some(event(c.at, kinds::TCP_SESSION_LOST, detail))
    }

    /// One `tcp_session` event per target: the application's view at `end`.
    pub fn summaries(&self, end: RealNs) -> Vec<EventLine> {
        self.targets
            .iter()
            .enumerate()
            .map(|(id, s)| {
                let mut st = lock(&s.state);
                st.view.finish(end);
                let v = &st.view;
                let detail = serde_json::json!({
                    "target": id,
                    "addr": s.addr,
                    "port": self.port,
                    "bytes_written": v.written,
                    "bytes_echoed": v.echoed,
                    "bytes_unsent": st.unsent.len(),
                    "bytes_foreign": st.parser.skipped(),
                    "longest_stall_ns": v.longest.map(|l| l.ns),
                    "longest_stall_start_ns": v.longest.map(|l| l.start.0),
                    "longest_stall_open": v.longest.map(|l| l.open),
                    "survived": v.closed.is_none(),
                    "lost_ns": v.closed.as_ref().map(|c| c.at.0),
                    "lost_how": v.closed.as_ref().map(|c| c.how),
                    "lost_errno": v.closed.as_ref().and_then(|c| c.errno),
                    "rx_clock": if v.stamped_reads.0 == v.stamped_reads.1 { "kernel" } else { "user" },
                    "reconnects": 0,
                });
                event(end, kinds::TCP_SESSION, detail)
            })
            .collect()
    }
}

impl State {
    /// Queues `message` behind what is still unsent and writes as much as
    /// the send buffer takes. A message never enters the stream in part
    /// unless the rest follows: the stream stays in whole messages.
    fn push(&mut self, sock: &StreamSocket, message: &[u8]) -> io::Result<()> {
        if self.unsent.len() + message.len() > MAX_UNSENT {
            let _ = self.flush(sock)?;
            if self.unsent.len() + message.len() > MAX_UNSENT {
                let e = "the connection's send buffer and queue are full (the stream is stalled)";
                return Err(io::Error::new(io::ErrorKind::WouldBlock, e));
            }
        }
        self.unsent.extend_from_slice(message);
        self.flush(sock).map(|_| ())
    }

    /// Writes what the send buffer takes of the unsent bytes.
    fn flush(&mut self, sock: &StreamSocket) -> io::Result<usize> {
        let mut done = 0;
        while done < self.unsent.len() {
            match sock.write(&self.unsent[done..])? {
                0 => break,
                n => done += n,
            }
        }
        self.unsent.drain(..done);
        Ok(done)
    }
}

/// The end of a connection that failed with `e` at `at`.
fn closed(at: RealNs, e: &io::Error) -> Closed {
    let errno = e.raw_os_error();
    let how = if errno == Some(libc::ECONNRESET) {
        "reset"
    } else {
        "error"
    };
    Closed {
        at,
        how,
        errno,
        error: e.to_string(),
    }
}

fn event(at: RealNs, kind: crate::record::EventKind, detail: serde_json::Value) -> EventLine {
    EventLine::local(at, kind, detail)
}

/// The lock of a session's state; a panic elsewhere while holding it leaves
/// the state usable (counters only).
fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
