//! The receive loop of one socket, and the receive step the send thread
//! shares with it.

use super::latch::Latch;
use super::{Datagram, ProbeMsg};
use crate::sys::mmsg::RecvBatch;
use crate::sys::{realtime_now, ProbeSocket, SocketKind};
use crate::wire::Family;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

/// A receive loop that waits for the sender to finish sleeps on its latch;
/// it looks at `stop` at least this often.
const IDLE_LOOK: Duration = Duration::from_millis(250);

/// Datagrams received per batch (one system call).
pub(crate) const BATCH: usize = 16;
/// Bytes per datagram buffer: the largest reply `--size` allows fits whole
/// (pages of the buffers a small reply does not reach are never touched).
const DATAGRAM_BYTES: usize = 65_536;

/// Scratch space for [`receive_batch`].
pub(crate) fn batch() -> RecvBatch {
    RecvBatch::new(BATCH, DATAGRAM_BYTES)
}

/// Receives the datagrams queued on `sock` (up to the batch's room) without
/// blocking, each as a [`ProbeMsg::Datagram`] into `out`; returns how many.
pub(crate) fn receive_batch(
    sock: &ProbeSocket,
    batch: &mut RecvBatch,
    out: &mut Vec<ProbeMsg>,
) -> io::Result<usize> {
    let n = sock.recv_batch(batch)?;
    let rx_user = realtime_now();
    let with_ip_header = sock.kind() == SocketKind::Raw && sock.family() == Family::V4;
    out.extend(batch.received().map(|(bytes, meta)| {
        ProbeMsg::Datagram(Datagram {
            family: sock.family(),
            with_ip_header,
            from: meta.from,
            rx_kernel: meta.rx_kernel,
            rx_user,
            ttl: meta.ttl,
            bytes: bytes.to_vec(),
        })
    }));
    Ok(n)
}

/// Receives until `stop` is set (whoever sets it sets `sender_done` too, to
/// wake this loop). While the sender runs it owns the error queue
/// (TX stamps); once `sender_done` is set this loop drains queued ICMP errors too.
/// Until then an error-queue entry makes it wait `err_pause` before it looks again.
/// With `sender_reads`, the send thread receives the replies while it runs
/// (no wake-up per reply here): this loop starts once `sender_done` is set.
pub(crate) fn run_receiver(
    sock: &ProbeSocket,
    tx: &Sender<ProbeMsg>,
    stop: &AtomicBool,
    sender_done: &Latch,
    err_pause: Duration,
    sender_reads: bool,
) {
    // Asleep until the sender is done (no wake-up per tick while it reads).
    while sender_reads && !stop.load(Ordering::Relaxed) && !sender_done.wait(IDLE_LOOK) {}
    let mut batch = batch();
    let mut got = Vec::new();
    let mut queued = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let (readable, err) = match sock.wait(20) {
            Ok(r) => r,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
        };
        if readable {
            while let Ok(n) = receive_batch(sock, &mut batch, &mut got) {
                for msg in got.drain(..) {
                    if tx.send(msg).is_err() {
                        return;
                    }
                }
                if n < BATCH {
                    break;
                }
            }
        } else if err {
            if sender_done.is_set() {
                queued.clear();
                let _ = sock.drain_errqueue(&mut queued);
                for msg in queued
                    .iter()
                    .filter_map(|e| ProbeMsg::from_queued(sock.family(), e, realtime_now()))
                {
                    let _ = tx.send(msg);
                }
            } else {
                // The sender drains the error queue right after each send.
                std::thread::sleep(err_pause);
            }
        }
    }
}
