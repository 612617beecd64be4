//! Parser for the text of `virsh event --all --loop --timestamp` (run with
//! `LC_ALL=C`: virsh translates its messages).
//!
//! ```text
//! 2026-11-25 19:18:05.402+0000: event 'block-job-2' for domain 'migvm': Block Copy for vda ready
//! 2026-11-25 19:18:09.435+0000: event 'lifecycle' for domain 'migvm': Suspended Migrated
//! 2026-11-25 19:18:11.099+0000: event 'job-completed' for domain 'migvm':
//!     operation: 5
//!     downtime: 51
//! ```
//!
//! Lines that are not events (shell prompts, log noise) are counted, never
//! fatal. An event header whose text is empty (`job-completed`, `tunable`, ...)
//! opens a block: the indented lines that follow (virsh uses a tab) belong to it.
//!
//! **Timestamps.** `at_ns` is virsh's `--timestamp` (the time virsh received the
//! event, UTC, ms); `source_ts_ns` is `None`. A line without the timestamp gets
//! the caller's fallback time; with no fallback it is skipped and counted in
//! [`ParsedText::no_timestamp`] (an imported file has no better time to offer,
//! and a guessed time would be worse than none).

use super::event_text::{split_domain, split_event_prefix, ParsedText};
use super::terminal::without_escapes;
use crate::events::lifecycle;
use migprobe_probe::record::kinds::{self, EventKind};
use migprobe_probe::record::{EventLine, Origin};
use migprobe_probe::types::RealNs;
use serde_json::{Map, Value};

/// Parses a whole capture of `virsh event --loop [--timestamp]` output.
///
/// `fallback` is the time given to events printed without `--timestamp`; with
/// `None` such events are skipped and counted. Bytes that are not UTF-8 are
/// replaced (U+FFFD), CRLF line ends are accepted.
pub fn parse_virsh_events(bytes: &[u8], origin: Origin, fallback: Option<RealNs>) -> ParsedText {
    let text = String::from_utf8_lossy(bytes);
    let mut p = VirshParser::new(origin, fallback);
    let mut events = Vec::new();
    for line in text.split('\n') {
        events.extend(p.push_line(&without_escapes(line)));
    }
    events.extend(p.flush());
    let mut out = p.into_counts();
    out.events = events;
    out
}

/// An event header waiting for the indented lines of its block.
#[derive(Debug)]
struct Pending {
    at_ns: Option<RealNs>,
    name: String,
    domain: String,
    raw: Vec<String>,
    params: Map<String, Value>,
    text: Vec<String>,
}

/// A streaming parser of virsh event output, one line at a time (for a live
/// `virsh event` pipe as well as for files).
#[derive(Debug)]
pub(crate) struct VirshParser {
    origin: Origin,
    fallback: Option<RealNs>,
    line_no: u64,
    pending: Option<Pending>,
    counts: ParsedText,
}

impl VirshParser {
    /// A parser whose events get `origin`; `fallback` as in [`parse_virsh_events`].
    pub(crate) fn new(origin: Origin, fallback: Option<RealNs>) -> VirshParser {
        VirshParser {
            origin,
            fallback,
            line_no: 0,
            pending: None,
            counts: ParsedText::default(),
        }
    }

    /// Feeds one line (without or with its `\n` / `\r\n`); returns the events it completed
    /// (a pending block ended by this line, and this line's own event).
    pub(crate) fn push_line(&mut self, line: &str) -> Vec<EventLine> {
        self.line_no += 1;
        let line = line.trim_end_matches(['\n', '\r']);
        let mut done = Vec::new();
        let header = parse_header(line);
        if self.pending.is_some()
            && header.is_none()
            && line.starts_with([' ', '\t'])
            && !line.trim().is_empty()
        {
            if let Some(p) = self.pending.as_mut() {
                p.raw.push(line.to_owned());
                let item = line.trim();
                match item.split_once(':') {
                    Some((k, v)) if !k.trim().is_empty() => {
                        let k = k.trim();
                        p.params.insert(k.to_owned(), param_value(k, v.trim()));
                    }
                    _ => {}
                }
                p.text.push(item.to_owned());
            }
            return done;
        }
        done.extend(self.flush());
        if line.trim().is_empty() {
            return done;
        }
        match header {
            None => self.counts.bad_lines.note(self.line_no),
            Some(h) => {
                let at_ns = h.ts.or(self.fallback);
                if h.opens_block {
                    self.pending = Some(Pending {
                        at_ns,
                        name: h.name,
                        domain: h.domain,
                        raw: vec![line.to_owned()],
                        params: Map::new(),
                        text: Vec::new(),
                    });
                } else if let Some(at_ns) = at_ns {
                    let (kind, detail) = map_event(&h.name, &h.domain, &h.text);
                    done.push(self.event(at_ns, kind, detail, line.to_owned()));
                } else {
                    self.counts.no_timestamp += 1;
                }
            }
        }
        done
    }

    /// Completes a pending block (call at the end of the input, or when a live
    /// pipe has been quiet for a while).
    pub(crate) fn flush(&mut self) -> Option<EventLine> {
        let p = self.pending.take()?;
        let Some(at_ns) = p.at_ns else {
            self.counts.no_timestamp += 1;
            return None;
        };
        let mut detail = Map::new();
        let kind = if p.name == "job-completed" {
            detail = p.params;
            kinds::JOB_COMPLETED
        } else {
            detail.insert("event".into(), Value::String(p.name));
            detail.insert("text".into(), Value::String(p.text.join("\n")));
            kinds::OTHER
        };
        detail.insert("domain".into(), Value::String(p.domain));
        Some(self.event(at_ns, kind, Value::Object(detail), p.raw.join("\n")))
    }

    /// The counts so far (`events` is left empty: events are returned as they complete).
    pub(crate) fn into_counts(self) -> ParsedText {
        self.counts
    }

    fn event(&self, at_ns: RealNs, kind: EventKind, detail: Value, raw: String) -> EventLine {
        EventLine {
            at_ns,
            source_ts_ns: None,
            origin: self.origin,
            kind,
            detail,
            raw: Some(raw),
        }
    }
}

/// A parsed `event 'NAME' for domain 'D': TEXT` header.
struct Header {
    ts: Option<RealNs>,
    name: String,
    domain: String,
    text: String,
    opens_block: bool,
}

fn parse_header(line: &str) -> Option<Header> {
    let (ts, rest) = split_event_prefix(line)?;
    let rest = rest.strip_prefix("event '")?;
    let (name, rest) = rest.split_once('\'')?;
    if name.is_empty() {
        return None;
    }
    let rest = rest.strip_prefix(" for domain ")?;
    let (domain, after) = split_domain(rest)?;
    let after = after.trim_end();
    let (text, opens_block) = match after.strip_prefix(':') {
        Some(t) => (t.trim().to_owned(), t.trim().is_empty()),
        None => (after.trim().to_owned(), false),
    };
    Some(Header {
        ts,
        name: name.to_owned(),
        domain,
        text,
        opens_block,
    })
}

/// Kind and detail of a one-line virsh event.
fn map_event(name: &str, domain: &str, text: &str) -> (EventKind, Value) {
    let mut d = Map::new();
    d.insert("domain".into(), Value::String(domain.to_owned()));
    let kind = match name {
        "lifecycle" => lifecycle::from_virsh(text).map(|(kind, reason)| {
            d.insert("reason".into(), Value::String(reason));
            kind
        }),
        "migration-iteration" => parse_iteration(text).map(|n| {
            d.insert("iteration".into(), Value::from(n));
            kinds::MIGRATION_ITERATION
        }),
        "block-job" | "block-job-2" => parse_block_job(text).map(|(job, disk, status)| {
            d.insert("disk".into(), Value::String(disk));
            d.insert("job".into(), Value::String(job.to_owned()));
            d.insert("status".into(), Value::String(status));
            d.insert("event".into(), Value::String(name.to_owned()));
            kinds::BLOCK_JOB
        }),
        _ => None,
    };
    match kind {
        Some(k) => (k, Value::Object(d)),
        None => {
            d.insert("event".into(), Value::String(name.to_owned()));
            d.insert("text".into(), Value::String(text.to_owned()));
            (kinds::OTHER, Value::Object(d))
        }
    }
}

/// `iteration: '3'` → 3.
fn parse_iteration(text: &str) -> Option<i64> {
    let v = text.strip_prefix("iteration:")?.trim();
    v.trim_matches('\'').parse().ok()
}

/// `Block Copy for vda ready` → ("copy", "vda", "ready"). The disk (a target or,
/// for `block-job`, a path) may hold spaces; the status is the last word.
fn parse_block_job(text: &str) -> Option<(&'static str, String, String)> {
    let (job, rest) = text.split_once(" for ")?;
    let (disk, status) = rest.trim().rsplit_once(' ')?;
    let job = match job.trim().to_ascii_lowercase().as_str() {
        "block pull" => "pull",
        "block copy" => "copy",
        "block commit" => "commit",
        "active block commit" => "active_commit",
        "backup" => "backup",
        _ => "unknown",
    };
    let disk = disk.trim();
    if disk.is_empty() || status.is_empty() {
        return None;
    }
    Some((job, disk.to_owned(), status.to_ascii_lowercase()))
}

/// A typed-parameter value as virsh prints it: integers and floats become JSON
/// numbers, `success: yes|no` a boolean, anything else stays a string.
fn param_value(key: &str, v: &str) -> Value {
    if let Ok(i) = v.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(u) = v.parse::<u64>() {
        return Value::from(u);
    }
    if v.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'e' || b == b'+')
    {
        if let Some(n) = v.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return Value::Number(n);
        }
    }
    match (key, v) {
        ("success", "yes") => Value::Bool(true),
        ("success", "no") => Value::Bool(false),
        _ => Value::String(v.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::event_text::parse_timestamp;
    use serde_json::json;

    const T0: i64 = 1_795_634_289_435_000_000; // 2026-11-25 19:18:09.435 UTC

    fn parse(text: &str) -> ParsedText {
        parse_virsh_events(text.as_bytes(), Origin::Src, None)
    }

    fn one(line: &str) -> EventLine {
        let p = parse(line);
        assert_eq!(p.events.len(), 1, "{line:?}: {p:?}");
        assert_eq!(p.bad_lines.count(), 0, "{line:?}: {p:?}");
        p.events.into_iter().next().unwrap()
    }

    #[test]
    fn lifecycle_every_detail_word() {
        let table: &[(&str, &[&str])] = &[
            ("Defined", &["Added", "Updated", "Renamed", "Snapshot"]),
            ("Undefined", &["Removed", "Renamed"]),
            (
                "Started",
                &[
                    "Booted",
                    "Migrated",
                    "Restored",
                    "Snapshot",
                    "Event wakeup",
                    "Recreation",
                ],
            ),
            (
                "Suspended",
                &[
                    "Paused",
                    "Migrated",
                    "I/O Error",
                    "Watchdog",
                    "Restored",
                    "Snapshot",
                    "API error",
                    "Post-copy",
                    "Post-copy Error",
                ],
            ),
            (
                "Resumed",
                &[
                    "Unpaused",
                    "Migrated",
                    "Snapshot",
                    "Post-copy",
                    "Post-copy Error",
                ],
            ),
            (
                "Stopped",
                &[
                    "Shutdown",
                    "Destroyed",
                    "Crashed",
                    "Migrated",
                    "Saved",
                    "Failed",
                    "Snapshot",
                    "Recreation",
                ],
            ),
            (
                "Shutdown",
                &[
                    "Finished",
                    "Finished after guest request",
                    "Finished after host request",
                ],
            ),
            ("PMSuspended", &["Memory", "Disk"]),
            ("Crashed", &["Panicked", "Crashloaded"]),
        ];
        let mut n = 0;
        for (word, details) in table {
            for detail in *details {
                let text = format!("{word} {detail}");
                let line = format!(
                    "2026-11-25 19:18:09.435+0000: event 'lifecycle' for domain 'migvm': {text}"
                );
                let e = one(&line);
                let (kind, reason) = lifecycle::from_virsh(&text).unwrap();
                assert_eq!(e.kind, kind, "{line}");
                assert_eq!(
                    e.detail,
                    json!({"domain": "migvm", "reason": reason}),
                    "{line}"
                );
                assert!(!reason.contains(' '), "{line}: {reason}");
                assert_eq!(e.at_ns, RealNs(T0));
                assert_eq!(e.source_ts_ns, None);
                assert_eq!(e.origin, Origin::Src);
                assert_eq!(e.raw.as_deref(), Some(line.as_str()));
                n += 1;
            }
        }
        assert_eq!(n, 41);
        let e = one("2026-11-25 19:18:09.435+0000: event 'lifecycle' for domain 'migvm': Suspended Migrated");
        assert_eq!(
            (&e.kind, &e.detail["reason"]),
            (&kinds::SUSPENDED, &json!("migrated"))
        );
        // Unknown lifecycle word: kept as other, not lost.
        let e = one(
            "2026-11-25 19:18:09.435+0000: event 'lifecycle' for domain 'migvm': unknown unknown",
        );
        assert_eq!(e.kind, kinds::OTHER);
        assert_eq!(
            e.detail,
            json!({"domain": "migvm", "event": "lifecycle", "text": "unknown unknown"})
        );
    }

    const JOB: &str = "2026-11-25 19:18:11.099+0000: event 'job-completed' for domain 'migvm':\n\
        \toperation: 5\n\
        \ttime_elapsed: 17832\n\
        \tdowntime: 51\n\
        \tdowntime_net: 48\n\
        \tsetup_time: 6\n\
        \tmemory_dirty_rate: 1234.500000\n\
        \tdata_total: 18446744073709551615\n\
        \tsuccess: yes\n\
        \terrmsg: none: all fine\n";

    #[test]
    fn job_completed_block_at_end_of_file() {
        for text in [
            JOB.to_owned(),
            JOB.trim_end().to_owned(),
            JOB.replace('\n', "\r\n"),
        ] {
            let e = one(&text);
            assert_eq!(e.kind, kinds::JOB_COMPLETED);
            assert_eq!(
                e.detail,
                json!({"domain": "migvm", "operation": 5, "time_elapsed": 17832, "downtime": 51,
                       "downtime_net": 48, "setup_time": 6, "memory_dirty_rate": 1234.5,
                       "data_total": 18446744073709551615u64, "success": true,
                       "errmsg": "none: all fine"})
            );
            assert!(e.detail["downtime"].is_i64());
            assert_eq!(e.raw.as_deref(), Some(JOB.trim_end()));
            assert_eq!(
                e.at_ns,
                parse_timestamp("2026-11-25 19:18:11.099+0000").unwrap()
            );
        }
    }

    #[test]
    fn job_completed_followed_directly_by_another_event() {
        let text = format!(
            "{JOB}2026-11-25 19:18:11.100+0000: event 'lifecycle' for domain 'migvm': Undefined Removed\n\
             2026-11-25 19:18:11.101+0000: event 'job-completed' for domain 'other':\n\
             \toperation: 4\n\
             2026-11-25 19:18:11.102+0000: event 'migration-iteration' for domain 'migvm': iteration: '2'\n"
        );
        let p = parse(&text);
        assert_eq!(p.bad_lines.count(), 0, "{p:?}");
        let kinds: Vec<&EventKind> = p.events.iter().map(|e| &e.kind).collect();
        assert_eq!(
            kinds,
            [
                &kinds::JOB_COMPLETED,
                &kinds::UNDEFINED,
                &kinds::JOB_COMPLETED,
                &kinds::MIGRATION_ITERATION
            ]
        );
        assert_eq!(p.events[0].detail["downtime"], json!(51));
        assert_eq!(p.events[0].raw.as_deref(), Some(JOB.trim_end()));
        assert_eq!(
            p.events[2].detail,
            json!({"domain": "other", "operation": 4})
        );
        assert_eq!(
            p.events[3].detail,
            json!({"domain": "migvm", "iteration": 2})
        );
    }

    #[test]
    fn block_jobs() {
        let cases = [
            (
                "block-job-2",
                "Block Copy for vda ready",
                "copy",
                "vda",
                "ready",
            ),
            (
                "block-job-2",
                "Block Copy for vda completed",
                "copy",
                "vda",
                "completed",
            ),
            (
                "block-job",
                "Block Copy for /var/lib/libvirt/images/mig vm.qcow2 ready",
                "copy",
                "/var/lib/libvirt/images/mig vm.qcow2",
                "ready",
            ),
            (
                "block-job",
                "Block Pull for vdb failed",
                "pull",
                "vdb",
                "failed",
            ),
            (
                "block-job-2",
                "Block Commit for vdc canceled",
                "commit",
                "vdc",
                "canceled",
            ),
            (
                "block-job-2",
                "Block commit for vdc completed",
                "commit",
                "vdc",
                "completed",
            ),
            (
                "block-job-2",
                "Active Block Commit for vda ready",
                "active_commit",
                "vda",
                "ready",
            ),
            (
                "block-job-2",
                "Backup for vda completed",
                "backup",
                "vda",
                "completed",
            ),
            (
                "block-job-2",
                "Unknown for vda unknown",
                "unknown",
                "vda",
                "unknown",
            ),
        ];
        for (event, text, job, disk, status) in cases {
            let line =
                format!("2026-11-25 19:18:05.402+0000: event '{event}' for domain 'migvm': {text}");
            let e = one(&line);
            assert_eq!(e.kind, kinds::BLOCK_JOB, "{line}");
            assert_eq!(
                e.detail,
                json!({"domain": "migvm", "disk": disk, "job": job, "status": status, "event": event}),
                "{line}"
            );
        }
        let e =
            one("2026-11-25 19:18:05.402+0000: event 'block-job-2' for domain 'migvm': garbled");
        assert_eq!(e.kind, kinds::OTHER);
    }

    #[test]
    fn migration_iteration_and_other_events() {
        let e = one("2026-11-25 19:18:05.414+0000: event 'migration-iteration' for domain 'migvm': iteration: '1'");
        assert_eq!(e.kind, kinds::MIGRATION_ITERATION);
        assert_eq!(e.detail, json!({"domain": "migvm", "iteration": 1}));
        let cases = [
            ("event 'reboot' for domain 'migvm'", "reboot", ""),
            (
                "event 'rtc-change' for domain 'migvm': -3600",
                "rtc-change",
                "-3600",
            ),
            (
                "event 'disk-change' for domain 'migvm' disk vda: a -> b: changed",
                "disk-change",
                "disk vda: a -> b: changed",
            ),
            (
                "event 'migration-iteration' for domain 'migvm': iteration: 'x'",
                "migration-iteration",
                "iteration: 'x'",
            ),
        ];
        for (rest, event, text) in cases {
            let e = one(&format!("2026-11-25 19:18:05.414+0000: {rest}"));
            assert_eq!(e.kind, kinds::OTHER, "{rest}");
            assert_eq!(
                e.detail,
                json!({"domain": "migvm", "event": event, "text": text}),
                "{rest}"
            );
        }
        // A block other than job-completed keeps its lines as text.
        let p = parse("2026-11-25 19:18:05.414+0000: event 'tunable' for domain 'migvm':\n\tcputune.vcpu_period: 100000\n\tcputune.emulatorpin: 0-3\n");
        assert_eq!(p.events.len(), 1);
        assert_eq!(p.events[0].kind, kinds::OTHER);
        assert_eq!(
            p.events[0].detail,
            json!({"domain": "migvm", "event": "tunable", "text": "cputune.vcpu_period: 100000\ncputune.emulatorpin: 0-3"})
        );
    }

    #[test]
    fn old_virsh_unquoted_domain_and_odd_names() {
        let e = one(
            "2026-11-25 19:18:09.435+0000: event 'lifecycle' for domain migvm: Suspended Migrated",
        );
        assert_eq!(e.detail, json!({"domain": "migvm", "reason": "migrated"}));
        let p = parse_virsh_events(
            b"event 'lifecycle' for domain 'it's: mine': Resumed Migrated",
            Origin::Dst,
            Some(RealNs(5)),
        );
        assert_eq!(p.events.len(), 1);
        assert_eq!(
            p.events[0].detail,
            json!({"domain": "it's: mine", "reason": "migrated"})
        );
    }

    #[test]
    fn lines_without_timestamp_use_the_fallback_or_are_counted() {
        let text = "event 'lifecycle' for domain 'migvm': Resumed Migrated\nevent 'job-completed' for domain 'migvm':\n\tdowntime: 3\n";
        let p = parse(text);
        assert_eq!(
            (p.events.len(), p.no_timestamp, p.bad_lines.count()),
            (0, 2, 0)
        );
        let p = parse_virsh_events(text.as_bytes(), Origin::Dst, Some(RealNs(7)));
        assert_eq!(p.events.len(), 2);
        assert!(p
            .events
            .iter()
            .all(|e| e.at_ns == RealNs(7) && e.origin == Origin::Dst));
        assert_eq!(p.events[0].kind, kinds::RESUMED);
    }

    #[test]
    fn garbage_crlf_and_non_utf8() {
        let mut bytes = b"root@host:~# virsh event --all --loop --timestamp\r\n\
            event loop started\r\n\
            \r\n\
            2026-11-25 19:18:09.435+0000: event 'lifecycle' for domain 'migvm': Suspended Migrated\r\n\
            noise 2026-11-25 19:18:09.435+0000: event 'lifecycle' for domain 'migvm': Resumed Migrated\r\n\
            garbage event 'lifecycle' for domain 'migvm': Resumed Migrated\r\n\
            2026-11-25 19:18:09.435+0000: event 'lifecycle' for domain '"
            .to_vec();
        bytes.extend_from_slice(b"m\xffvm': Stopped Migrated\r\n\tstray: 1\r\n\xfe\xfe\r\n^C");
        let p = parse_virsh_events(&bytes, Origin::Src, None);
        let kinds: Vec<&EventKind> = p.events.iter().map(|e| &e.kind).collect();
        assert_eq!(kinds, [&kinds::SUSPENDED, &kinds::RESUMED, &kinds::STOPPED]);
        assert_eq!(p.events[2].detail["domain"], json!("m\u{fffd}vm"));
        assert!(p
            .events
            .iter()
            .all(|e| !e.raw.as_deref().unwrap_or("").contains('\r')));
        assert_eq!(p.bad_lines.count(), 6, "{p:?}");
        assert_eq!(p.bad_lines.examples(), [1, 2, 6, 8, 9]);
    }

    #[test]
    fn never_panics_on_prefixes_or_noise() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let text = format!("{JOB}2026-11-25 19:18:05.402+0000: event 'block-job-2' for domain 'migvm': Block Copy for vda ready\n");
        for n in 0..=text.len() {
            parse_virsh_events(&text.as_bytes()[..n], Origin::Src, None);
        }
        for _ in 0..2000 {
            let len = (rnd() % 120) as usize;
            let alphabet = b"event '\t:for domain 0123456789-+. \n\r\xff\xc3";
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[(rnd() % alphabet.len() as u64) as usize])
                .collect();
            parse_virsh_events(&bytes, Origin::Src, Some(RealNs(0)));
            let raw: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
            parse_virsh_events(&raw, Origin::Src, None);
        }
    }
}
