//! Can this machine carry the plan? A short trial of the real session at start.
//!
//! Rules:
//!
//! - Plans of at most [`TRIAL_MIN_RATE`] probes per second are not tried: any
//!   machine migprobe runs on sends that many (the sender is timed on one core
//!   at ≥ 15 000 probes/s), and a trial would only delay the start.
//! - Faster plans run the real session — same targets, sockets, interval and
//!   scheduling — for [`TRIAL`], recording nothing, and count the slots it
//!   sent against those it had to skip.
//! - Sending less than [`REFUSE_BELOW`] of the slots means the plan is
//!   beyond this machine: [`Capacity::refused`] (the caller exits 2 unless
//!   told to go on). Less than [`WARN_BELOW`] is a warning: the run works, and
//!   the skipped slots are reported as unobserved.
//!
//! Only fast plans are tried, so the strict threshold never stands between a
//! user and an ordinary plan (one or two targets at 1 ms); a fast plan refused
//! on a busy moment says so with its figures, and `--allow-overload` runs it.

use super::runner::{probe_session, Hooks, ProbePlan, Sockets};
use crate::record::{Line, ProbeStatus};
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

/// Plans up to this many probes per second (all targets) are not tried.
pub const TRIAL_MIN_RATE: f64 = 2_000.0;
/// How long the trial probes.
pub const TRIAL: Duration = Duration::from_millis(500);
/// Sent fraction below which the plan is refused: a plan this machine cannot
/// keep for half a second is not one it sustains (`gate` also fails a run
/// that left more than 10 % of its slots unobserved).
pub const REFUSE_BELOW: f64 = 0.99;
/// Sent fraction below which the plan draws a warning.
pub const WARN_BELOW: f64 = 0.999;
/// Share of one core the send thread may use. Above it the plan has no
/// headroom: a real-time sender is throttled by the kernel for 50 ms of every
/// second past 95 % (`sched_rt_runtime_us`), and a normal one loses its core
/// to the receivers.
pub const MAX_SENDER_LOAD: f64 = 0.8;

/// What the trial found.
#[derive(Debug, Clone, PartialEq)]
pub struct Capacity {
    /// Probes per second the plan asks for (all targets).
    pub planned_rate: f64,
    /// Slots the trial sent.
    pub sent: u64,
    /// Slots the trial had to skip (or failed to send).
    pub missed: u64,
    /// Share of one core the send thread used during the trial.
    pub sender_load: f64,
}

impl Capacity {
    /// Fraction of the trial's slots sent (1 when it had none).
    pub fn sent_fraction(&self) -> f64 {
        let all = self.sent + self.missed;
        if all == 0 {
            1.0
        } else {
            self.sent as f64 / all as f64
        }
    }

    /// The plan is beyond this machine.
    pub fn refused(&self) -> bool {
        self.sent_fraction() < REFUSE_BELOW || self.sender_load > MAX_SENDER_LOAD
    }

    /// The plan fits, but some slots will be skipped.
    pub fn strained(&self) -> bool {
        !self.refused() && self.sent_fraction() < WARN_BELOW
    }

    /// "planned 100 000 probes/s; in a 0.5 s trial this machine sent 20 412
    /// of 50 000 slots (41 %), about 40 824 probes/s".
    pub fn describe(&self) -> String {
        let all = self.sent + self.missed;
        format!(
            "planned {:.0} probes/s; in a {:.1} s trial this machine sent {} of {} slots ({:.1} %) \
             with its send thread busy {:.0} % of a core (at most {:.0} % leaves headroom)",
            self.planned_rate,
            TRIAL.as_secs_f64(),
            self.sent,
            all,
            self.sent_fraction() * 100.0,
            self.sender_load * 100.0,
            MAX_SENDER_LOAD * 100.0
        )
    }
}

/// Probes per second `plan` asks for.
pub fn planned_rate(plan: &ProbePlan) -> f64 {
    plan.targets.len() as f64 / plan.interval.as_secs_f64().max(1e-9)
}

/// Runs the trial when the plan is fast enough to need one (see the
/// [module](self)); `None` when it is not.
pub fn trial(plan: &ProbePlan, sockets: &Sockets) -> std::io::Result<Option<Capacity>> {
    let rate = planned_rate(plan);
    // A trial on a TCP session would write onto the run's own connections.
    if rate <= TRIAL_MIN_RATE || sockets.sessions().is_some() {
        return Ok(None);
    }
    let short = ProbePlan {
        count: None,
        duration: Some(TRIAL),
        drain: Duration::ZERO,
        argv: Vec::new(),
        ..plan.clone()
    };
    let mut c = Capacity {
        planned_rate: rate,
        sent: 0,
        missed: 0,
        sender_load: 0.0,
    };
    let mut sink = |line: &Line| {
        if let Line::Probe(p) = line {
            match p.status {
                ProbeStatus::Pending => {}
                ProbeStatus::Skipped => c.missed += 1,
                ProbeStatus::Error if p.send_failed() => c.missed += 1,
                _ => c.sent += 1,
            }
        }
        Ok(())
    };
    let quiet = AtomicUsize::new(0);
    let hooks = Hooks {
        interrupts: &quiet,
        events: None,
        on_live: &mut |_, _| {},
        stop_reason: None,
    };
    let end = probe_session(&short, sockets, &mut sink, hooks)?;
    c.sender_load = end.sender_cpu_ns as f64 / TRIAL.as_nanos() as f64;
    Ok(Some(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(sent: u64, missed: u64) -> Capacity {
        Capacity {
            planned_rate: 100_000.0,
            sent,
            missed,
            sender_load: 0.2,
        }
    }

    #[test]
    fn thresholds_split_refused_strained_and_fine() {
        assert!(cap(20, 80).refused());
        assert!(cap(96, 4).refused());
        assert!(!cap(995, 5).refused() && cap(995, 5).strained());
        assert!(!cap(9999, 1).refused() && !cap(9999, 1).strained());
        assert!(!cap(0, 0).refused(), "no slots: nothing to judge");
        let busy = Capacity {
            sender_load: 0.9,
            ..cap(100, 0)
        };
        assert!(busy.refused(), "every slot sent, but no headroom left");
        assert!(cap(20_412, 29_588)
            .describe()
            .contains("sent 20412 of 50000 slots (40.8 %) with its send thread busy 20 %"));
    }
}
