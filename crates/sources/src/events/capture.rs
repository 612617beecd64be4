//! Live capture of both hypervisors' events through libvirt: lifecycle,
//! migration iterations, job completion, block jobs, QEMU monitor events, and
//! a poll of the source's job statistics, and timed round trips on each
//! connection (for the host clock estimate). Lost connections are recorded and
//! re-established with backoff; the capture goes on.

use super::rtt::BestRtt;
use super::{lifecycle, qemu};
use crate::sys::libvirt::{
    job_stats, start_event_loop, Raw, RawEvent, Registration, COMPLETED_KEEP,
};
use migprobe_probe::record::kinds::{self, EventKind};
use migprobe_probe::record::{EventLine, Origin};
use migprobe_probe::sys::realtime_now;
use migprobe_probe::types::RealNs;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use thiserror::Error;
use virt::connect::Connect;
use virt::domain::Domain;

/// What to capture.
#[derive(Debug, Clone)]
pub struct CaptureConfig {
    /// Libvirt URI of the migration source.
    pub src_uri: String,
    /// Libvirt URI of the destination, if known.
    pub dst_uri: Option<String>,
    /// Domain names or UUIDs (several: a host evacuation); at least one.
    pub domains: Vec<String>,
    /// Interval of the source job-statistics poll.
    pub poll: Duration,
}

/// Why a capture cannot start.
#[derive(Debug, Error)]
pub enum CaptureError {
    /// The libvirt connection failed.
    #[error(
        "{flag} {uri}: cannot connect to libvirt: {message}\n  fix: check the URI and that the daemon runs and \
         lets you in (for the lab: eval \"$(scripts/lab.sh env)\" and pass $LAB_SRC_URI / $LAB_DST_URI)"
    )]
    Connect {
        /// The flag that named the URI.
        flag: &'static str,
        /// The URI.
        uri: String,
        /// libvirt's message.
        message: String,
    },
    /// The domain is not on the source.
    #[error("--domain {domain}: no such domain on {uri} ({message})\n  fix: `virsh -c '{uri}' list --all` lists the names")]
    NoDomain {
        /// The name or UUID given.
        domain: String,
        /// The source URI.
        uri: String,
        /// libvirt's message.
        message: String,
    },
    /// Event registration or the event loop failed.
    #[error("cannot listen to libvirt events on {uri}: {message}")]
    Events {
        /// The URI.
        uri: String,
        /// What failed.
        message: String,
    },
}

struct Side {
    origin: Origin,
    flag: &'static str,
    uri: String,
    conn: Option<Connect>,
    reg: Option<Registration>,
    tag: u64,
    attempts: u32,
    retry_at: Option<Instant>,
    /// A reconnection in flight (opening can block while a daemon starts).
    opening: Option<JoinHandle<Result<Connect, String>>>,
    /// The fastest round trip on the connection so far.
    rtt: BestRtt,
}

/// A running capture; [`Capture::stop`] ends it.
#[derive(Debug)]
pub struct Capture {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Capture {
    /// Connects to both sides, checks the domain on the source, registers for
    /// events, and starts forwarding [`EventLine`]s to `out`. Errors come
    /// before anything runs.
    pub fn start(cfg: CaptureConfig, out: Sender<EventLine>) -> Result<Capture, CaptureError> {
        start_event_loop().map_err(|message| CaptureError::Events {
            uri: cfg.src_uri.clone(),
            message,
        })?;
        let (raw_tx, raw_rx) = mpsc::channel();
        let mut sides = vec![Side::new(Origin::Src, "--src-uri", &cfg.src_uri)];
        if let Some(d) = &cfg.dst_uri {
            sides.push(Side::new(Origin::Dst, "--dst-uri", d));
        }
        for (i, s) in sides.iter_mut().enumerate() {
            s.tag = i as u64;
            s.connect(&raw_tx).map_err(|message| match message {
                SideError::Connect(message) => CaptureError::Connect {
                    flag: s.flag,
                    uri: s.uri.clone(),
                    message,
                },
                SideError::Events(message) => CaptureError::Events {
                    uri: s.uri.clone(),
                    message,
                },
            })?;
        }
        let guests =
            cfg.domains
                .iter()
                .map(|d| {
                    let dom = lookup(sides[0].conn.as_ref().expect("connected"), d).map_err(
                        |message| CaptureError::NoDomain {
                            domain: d.clone(),
                            uri: cfg.src_uri.clone(),
                            message,
                        },
                    )?;
                    let name = dom.name().unwrap_or_else(|_| d.clone());
                    Ok(Guest {
                        name,
                        uuid: dom.uuid_string().unwrap_or_default(),
                    })
                })
                .collect::<Result<Vec<Guest>, CaptureError>>()?;
        let stop = Arc::new(AtomicBool::new(false));
        let mut m = Manager {
            cfg,
            sides,
            guests,
            raw_tx,
            raw_rx,
            out,
            next_tag: 2,
        };
        for s in &m.sides {
            let detail = m.started_detail(s);
            m.send(local_event(s.origin, kinds::CAPTURE_STARTED, detail));
        }
        let st = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("capture".into())
            .spawn(move || m.serve(&st))
            .map_err(|e| CaptureError::Events {
                uri: String::new(),
                message: e.to_string(),
            })?;
        Ok(Capture {
            stop,
            thread: Some(thread),
        })
    }

    /// Reads the completed job statistics on both sides (kept for others), deregisters, and returns.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

enum SideError {
    Connect(String),
    Events(String),
}

impl Side {
    fn new(origin: Origin, flag: &'static str, uri: &str) -> Side {
        Side {
            origin,
            flag,
            uri: uri.to_owned(),
            conn: None,
            reg: None,
            tag: 0,
            attempts: 0,
            retry_at: None,
            opening: None,
            rtt: BestRtt::default(),
        }
    }

    fn connect(&mut self, raw_tx: &Sender<Raw>) -> Result<(), SideError> {
        let conn = open(&self.uri).map_err(SideError::Connect)?;
        self.attach(conn, raw_tx).map_err(SideError::Events)
    }

    fn attach(&mut self, conn: Connect, raw_tx: &Sender<Raw>) -> Result<(), String> {
        let _ = conn.set_keep_alive(2, 3);
        let reg = Registration::register(&conn, raw_tx, self.tag)?;
        self.conn = Some(conn);
        self.reg = Some(reg);
        Ok(())
    }

    fn disconnect(&mut self) {
        self.reg = None;
        self.conn = None;
    }
}

fn open(uri: &str) -> Result<Connect, String> {
    Connect::open(Some(uri)).map_err(|e| e.message().to_owned())
}

fn lookup(conn: &Connect, domain: &str) -> Result<Domain, String> {
    let is_uuid = domain.len() == 36 && domain.chars().all(|c| c == '-' || c.is_ascii_hexdigit());
    match conn.lookup_domain_by_name(domain) {
        Ok(d) => Ok(d),
        Err(_) if is_uuid => conn
            .lookup_domain_by_uuid_string(domain)
            .map_err(|e| e.message().to_owned()),
        Err(e) => Err(e.message().to_owned()),
    }
}

/// libvirt's packed version number (major * 1 000 000 + minor * 1 000 + micro) as "9.0.0".
fn version(v: u32) -> String {
    format!("{}.{}.{}", v / 1_000_000, v / 1_000 % 1_000, v % 1_000)
}

fn local_event(origin: Origin, kind: EventKind, detail: Value) -> EventLine {
    EventLine::new(realtime_now(), origin, kind, detail)
}

/// A domain listened to: its name and UUID as the source knows them.
struct Guest {
    name: String,
    uuid: String,
}

struct Manager {
    cfg: CaptureConfig,
    sides: Vec<Side>,
    guests: Vec<Guest>,
    raw_tx: Sender<Raw>,
    raw_rx: Receiver<Raw>,
    out: Sender<EventLine>,
    next_tag: u64,
}

impl Manager {
    fn send(&self, e: EventLine) {
        let _ = self.out.send(e);
    }

    /// `capture_started`'s detail for side `s`: the domain (`domain`, `uuid`)
    /// for one guest; for several (an evacuation) `domains` and `uuids`, and no
    /// `domain`, so that the event belongs to every guest's analysis.
    fn started_detail(&self, s: &Side) -> Value {
        let conn = s.conn.as_ref();
        let mut detail = json!({
            "uri": s.uri,
            "hostname": conn.and_then(|c| c.hostname().ok()),
            "libvirt_version": conn.and_then(|c| c.lib_version().ok()).map(version),
            "hypervisor_version": conn.and_then(|c| c.hyp_version().ok()).map(version),
        });
        let Some(m) = detail.as_object_mut() else {
            return detail;
        };
        if let [g] = self.guests.as_slice() {
            m.insert("domain".into(), g.name.clone().into());
            m.insert("uuid".into(), g.uuid.clone().into());
        } else {
            let names: Vec<&str> = self.guests.iter().map(|g| g.name.as_str()).collect();
            let uuids: Vec<&str> = self.guests.iter().map(|g| g.uuid.as_str()).collect();
            m.insert("domains".into(), json!(names));
            m.insert("uuids".into(), json!(uuids));
        }
        detail
    }

    fn serve(&mut self, stop: &AtomicBool) {
        let mut next_poll = Instant::now();
        let mut next_rtt = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            let wait = next_poll
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(50));
            if let Ok(raw) = self.raw_rx.recv_timeout(wait) {
                self.on_raw(raw);
            }
            if Instant::now() >= next_poll {
                next_poll += self.cfg.poll;
                self.poll_guests(0, false);
            }
            if Instant::now() >= next_rtt {
                next_rtt += RTT_EVERY;
                self.sample_rtts();
            }
            self.reconnect();
        }
        while let Ok(raw) = self.raw_rx.try_recv() {
            self.on_raw(raw);
        }
        for i in 0..self.sides.len() {
            self.poll_guests(i, true);
        }
        for s in &mut self.sides {
            s.disconnect();
        }
    }

    /// Times a round trip on every connected side (see [`super::rtt`]).
    fn sample_rtts(&mut self) {
        for s in &mut self.sides {
            let Some(conn) = s.conn.as_ref() else {
                continue;
            };
            if let Some(e) = s.rtt.sample(conn, s.origin, &s.uri) {
                let _ = self.out.send(e);
            }
        }
    }

    /// Samples every guest's job statistics on side `i`.
    fn poll_guests(&self, i: usize, completed: bool) {
        for g in &self.guests {
            self.poll(i, &g.name, completed);
        }
    }

    /// Samples job statistics of domain `name` on side `i` (the live job, or the completed one).
    fn poll(&self, i: usize, name: &str, completed: bool) {
        let Some(conn) = self.sides[i].conn.as_ref() else {
            return;
        };
        let Ok(dom) = lookup(conn, name) else {
            return;
        };
        let Ok((ty, params)) = job_stats(&dom, if completed { COMPLETED_KEEP } else { 0 }) else {
            return;
        };
        if ty == 0 {
            return;
        }
        let mut detail = Map::new();
        detail.insert("domain".into(), name.into());
        detail.insert("job_type".into(), ty.into());
        detail.insert("completed".into(), completed.into());
        detail.extend(params);
        self.send(local_event(
            self.sides[i].origin,
            kinds::JOB_STATS,
            Value::Object(detail),
        ));
    }

    fn on_raw(&mut self, raw: Raw) {
        let Some(i) = self.sides.iter().position(|s| s.tag == raw.tag) else {
            return;
        };
        let origin = self.sides[i].origin;
        if let RawEvent::Closed { reason } = raw.event {
            let side = &mut self.sides[i];
            side.disconnect();
            side.attempts = 0;
            side.retry_at = Some(Instant::now() + Duration::from_millis(100));
            let why = ["error", "eof", "keepalive", "client"]
                .get(reason as usize)
                .copied()
                .unwrap_or("unknown");
            let detail = json!({"uri": side.uri, "reason": why});
            self.send(EventLine {
                at_ns: raw.at,
                ..local_event(origin, kinds::CONNECTION_LOST, detail)
            });
            return;
        }
        if !self
            .guests
            .iter()
            .any(|g| raw.domain == g.name || raw.uuid == g.uuid)
        {
            return;
        }
        self.send(to_line(origin, raw));
    }

    /// Retries lost connections: every 250 ms for the first 5 s, then backing off to
    /// 5 s. Opening runs in its own thread, so events and polls go on meanwhile.
    fn reconnect(&mut self) {
        for i in 0..self.sides.len() {
            let side = &mut self.sides[i];
            if let Some(h) = side.opening.take_if(|h| h.is_finished()) {
                let opened = h
                    .join()
                    .unwrap_or_else(|_| Err("connect thread panicked".into()));
                side.tag = self.next_tag;
                self.next_tag += 1;
                match opened.and_then(|c| side.attach(c, &self.raw_tx)) {
                    Ok(()) => {
                        side.retry_at = None;
                        let detail = json!({"uri": side.uri, "attempts": side.attempts});
                        let origin = side.origin;
                        self.send(local_event(origin, kinds::CONNECTION_RESTORED, detail));
                        continue;
                    }
                    Err(_) => {
                        let backoff = if side.attempts < 20 {
                            Duration::from_millis(250)
                        } else {
                            Duration::from_millis(250 * 2u64.pow((side.attempts - 19).min(5)))
                        };
                        side.retry_at = Some(Instant::now() + backoff.min(Duration::from_secs(5)));
                    }
                }
            }
            let due = side.opening.is_none() && side.retry_at.is_some_and(|t| Instant::now() >= t);
            if due {
                side.attempts += 1;
                let uri = side.uri.clone();
                side.opening = std::thread::Builder::new()
                    .name("reconnect".into())
                    .spawn(move || open(&uri))
                    .ok();
            }
        }
    }
}

/// How often each connection's round trip is timed.
const RTT_EVERY: Duration = Duration::from_millis(500);

const BLOCK_JOBS: [&str; 6] = [
    "unknown",
    "pull",
    "copy",
    "commit",
    "active_commit",
    "backup",
];
const BLOCK_STATUS: [&str; 4] = ["completed", "failed", "canceled", "ready"];

/// Turns one callback report into an event line.
pub fn to_line(origin: Origin, raw: Raw) -> EventLine {
    let domain = raw.domain;
    let (kind, detail, source_ts_ns, text) = match raw.event {
        RawEvent::Lifecycle { event, detail } => match lifecycle::from_codes(event, detail) {
            Some((kind, reason)) => (
                kind,
                json!({"domain": domain, "reason": reason}),
                None,
                None,
            ),
            None => (
                kinds::OTHER,
                json!({"domain": domain, "event": "lifecycle", "code": event, "detail": detail}),
                None,
                None,
            ),
        },
        RawEvent::MigrationIteration { iteration } => (
            kinds::MIGRATION_ITERATION,
            json!({"domain": domain, "iteration": iteration}),
            None,
            None,
        ),
        RawEvent::JobCompleted { params } => {
            let mut m = Map::new();
            m.insert("domain".into(), domain.into());
            m.extend(params);
            (kinds::JOB_COMPLETED, Value::Object(m), None, None)
        }
        RawEvent::BlockJob {
            disk,
            job_type,
            status,
            v2,
        } => {
            let name = |t: &[&'static str], i: i32| -> &'static str {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| t.get(i))
                    .copied()
                    .unwrap_or("unknown")
            };
            let detail = json!({
                "domain": domain,
                "disk": disk,
                "job": name(&BLOCK_JOBS, job_type),
                "status": name(&BLOCK_STATUS, status),
                "event": if v2 { "block-job-2" } else { "block-job" },
            });
            (kinds::BLOCK_JOB, detail, None, None)
        }
        RawEvent::Qemu {
            name,
            seconds,
            micros,
            details,
        } => {
            let (kind, mut detail) = qemu::qemu_event_from_details(&name, details.as_deref());
            if let Value::Object(m) = &mut detail {
                m.insert("domain".into(), domain.into());
            }
            let ts = RealNs(
                seconds
                    .saturating_mul(1_000_000_000)
                    .saturating_add(i64::from(micros) * 1_000),
            );
            (kind, detail, Some(ts), details)
        }
        RawEvent::Closed { reason } => (
            kinds::CONNECTION_LOST,
            json!({"reason": reason}),
            None,
            None,
        ),
    };
    EventLine {
        at_ns: raw.at,
        source_ts_ns,
        origin,
        kind,
        detail,
        raw: text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(event: RawEvent) -> Raw {
        Raw {
            at: RealNs(5),
            tag: 0,
            domain: "migvm".into(),
            uuid: String::new(),
            event,
        }
    }

    #[test]
    fn versions() {
        assert_eq!(version(9_000_000), "9.0.0");
        assert_eq!(version(7_002_011), "7.2.11");
    }

    #[test]
    fn callback_reports_become_documented_lines() {
        let l = to_line(
            Origin::Src,
            raw(RawEvent::Lifecycle {
                event: 3,
                detail: 1,
            }),
        );
        assert_eq!(
            (&l.kind, l.detail["reason"].as_str()),
            (&kinds::SUSPENDED, Some("migrated"))
        );
        let l = to_line(
            Origin::Dst,
            raw(RawEvent::BlockJob {
                disk: "vda".into(),
                job_type: 2,
                status: 3,
                v2: true,
            }),
        );
        assert_eq!(l.kind, kinds::BLOCK_JOB);
        assert_eq!(
            l.detail,
            json!({"domain":"migvm","disk":"vda","job":"copy","status":"ready","event":"block-job-2"})
        );
        let l = to_line(
            Origin::Src,
            raw(RawEvent::JobCompleted {
                params: vec![("downtime".into(), json!(51))],
            }),
        );
        assert_eq!(l.detail["downtime"], 51);
        let l = to_line(
            Origin::Dst,
            raw(RawEvent::Qemu {
                name: "RESUME".into(),
                seconds: 1_795_634_356,
                micros: 428_328,
                details: None,
            }),
        );
        assert_eq!(l.kind, kinds::QEMU_RESUME);
        assert_eq!(l.source_ts_ns, Some(RealNs(1_795_634_356_428_328_000)));
        let l = to_line(
            Origin::Src,
            raw(RawEvent::Lifecycle {
                event: 77,
                detail: 0,
            }),
        );
        assert_eq!(l.kind, kinds::OTHER);
        let l = to_line(
            Origin::Src,
            raw(RawEvent::BlockJob {
                disk: "vda".into(),
                job_type: -4,
                status: 99,
                v2: false,
            }),
        );
        assert_eq!(
            (l.detail["job"].as_str(), l.detail["status"].as_str()),
            (Some("unknown"), Some("unknown"))
        );
    }
}
