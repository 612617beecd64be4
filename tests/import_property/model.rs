//! The simulated target: a scenario (interval, probes, one freeze and one
//! loss window, random loss, duplicates, a shuffled flush, an excerpt) and
//! what each probe met — its ground truth.
//!
//! Rules: a request reaches the target half a base RTT after it is sent; it
//! is dropped when it arrives inside the loss window (or is a random loss),
//! queued when it arrives inside the freeze (answered at the resume, in
//! queue order or shuffled; past the queue's capacity, dropped), else
//! answered at once. Events are laid out with at least five probes of
//! normal traffic before, between and after them.

use proptest::prelude::*;

/// A freeze: the target stops; requests queue and are answered at the resume.
#[derive(Debug, Clone)]
pub struct Freeze {
    /// Start, ns.
    pub start_ns: i64,
    /// Length, ns.
    pub len_ns: i64,
    /// Requests the queue holds (`None`: all).
    pub capacity: Option<usize>,
    /// The flush answers the queue in another order.
    pub shuffle: bool,
}

/// A loss window: requests arriving in it are dropped.
#[derive(Debug, Clone)]
pub struct Window {
    /// Start, ns.
    pub start_ns: i64,
    /// Length, ns.
    pub len_ns: i64,
}

/// One generated case.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Probe interval, ns.
    pub interval_ns: i64,
    /// Probes sent (index 0..count).
    pub count: u64,
    /// Send time of probe 0, ns (realtime).
    pub t0_ns: i64,
    /// Round-trip time of an answered probe, ns.
    pub base_rtt_ns: i64,
    /// Send-time jitter per probe, ns.
    pub tx_jitter_ns: Vec<i64>,
    /// The freeze, if any.
    pub freeze: Option<Freeze>,
    /// The loss window, if any.
    pub loss: Option<Window>,
    /// Probes lost at random (away from the events).
    pub random_lost: Vec<u64>,
    /// Probes answered twice.
    pub dups: Vec<u64>,
    /// Only the lines of probes in this range are kept (with the statistics).
    pub excerpt: Option<(u64, u64)>,
}

/// What one probe met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Index (0-based).
    pub index: u64,
    /// Send time, ns.
    pub tx_ns: i64,
    /// Reply arrival, ns; `None` when no reply ever came.
    pub rx_ns: Option<i64>,
    /// A duplicate reply's arrival, ns.
    pub dup_ns: Option<i64>,
    /// Queued by the freeze.
    pub queued: bool,
}

/// A truth event and the probes it touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truth {
    /// A freeze (else a loss window).
    pub freeze: bool,
    /// Its length, ns.
    pub len_ns: i64,
    /// First and last probe index whose request arrived inside it.
    pub first: u64,
    /// Last one.
    pub last: u64,
}

impl Scenario {
    /// Every probe's fate, and the truth events that touched at least one probe.
    pub fn play(&self) -> (Vec<Probe>, Vec<Truth>) {
        let half = self.base_rtt_ns / 2;
        let mut probes: Vec<Probe> = (0..self.count)
            .map(|i| {
                let tx_ns =
                    self.t0_ns + i as i64 * self.interval_ns + self.tx_jitter_ns[i as usize];
                Probe {
                    index: i,
                    tx_ns,
                    rx_ns: Some(tx_ns + self.base_rtt_ns),
                    dup_ns: None,
                    queued: false,
                }
            })
            .collect();
        let inside =
            |p: &Probe, start: i64, len: i64| (start..start + len).contains(&(p.tx_ns + half));
        let mut truth = Vec::new();
        if let Some(w) = &self.loss {
            let hit: Vec<u64> = probes
                .iter()
                .filter(|p| inside(p, w.start_ns, w.len_ns))
                .map(|p| p.index)
                .collect();
            for i in &hit {
                probes[*i as usize].rx_ns = None;
            }
            truth.extend(event(false, w.len_ns, &hit));
        }
        if let Some(f) = &self.freeze {
            let mut hit: Vec<u64> = probes
                .iter()
                .filter(|p| inside(p, f.start_ns, f.len_ns))
                .map(|p| p.index)
                .collect();
            truth.extend(event(true, f.len_ns, &hit));
            let resume = f.start_ns + f.len_ns;
            let kept = f.capacity.unwrap_or(hit.len()).min(hit.len());
            for i in hit.drain(kept..) {
                probes[i as usize].rx_ns = None;
            }
            if f.shuffle {
                hit.reverse();
            }
            for (k, i) in hit.iter().enumerate() {
                let p = &mut probes[*i as usize];
                p.rx_ns = Some(resume + half + k as i64 * 12_000);
                p.queued = true;
            }
        }
        for i in &self.random_lost {
            probes[*i as usize].rx_ns = None;
        }
        for i in &self.dups {
            let p = &mut probes[*i as usize];
            p.dup_ns = p.rx_ns.map(|rx| rx + 35_000);
        }
        truth.sort_by_key(|t| t.first);
        (probes, truth)
    }
}

/// The truth event over the probes `hit` (none when it touched no probe).
fn event(freeze: bool, len_ns: i64, hit: &[u64]) -> Option<Truth> {
    Some(Truth {
        freeze,
        len_ns,
        first: *hit.first()?,
        last: *hit.last()?,
    })
}

/// Where the events go: (first event's start slot, its length in intervals,
/// gap, second length), all in intervals.
fn layout() -> impl Strategy<Value = (f64, f64, f64, f64, bool)> {
    (
        6.0f64..12.0,
        4.2f64..9.0,
        5.0f64..10.0,
        3.6f64..8.0,
        any::<bool>(),
    )
}

prop_compose! {
    /// A scenario: see the module docs.
    pub fn scenario()(
        interval_ms in prop::sample::select(vec![100i64, 200, 500, 1000]),
        (a_at, a_len, gap, b_len, freeze_first) in layout(),
        tail in 6u64..12,
        base_rtt_us in 150i64..2500,
        jitter in prop::collection::vec(0i64..300_000, 64..=64),
        t0_s in 1_790_000_000i64..1_800_000_000,
        overflow in prop::option::weighted(0.2, 1usize..4),
        shuffle in prop::bool::weighted(0.3),
        random_loss in prop::bool::weighted(0.3),
        dups in prop::bool::weighted(0.3),
        picks in prop::collection::vec(0u64..1000, 6..=6),
        excerpt in prop::option::weighted(0.25, (1u64..4, 1u64..4)),
        events in 0u8..4,
    ) -> Scenario {
        let i = interval_ms * 1_000_000;
        let t0 = t0_s * 1_000_000_000;
        let at = |slots: f64| t0 + (slots * i as f64) as i64;
        let b_at = a_at + a_len + gap;
        let count = (b_at + b_len).ceil() as u64 + tail;
        let (fz, ls) = if freeze_first { ((a_at, a_len), (b_at, b_len)) } else { ((b_at, b_len.max(4.2)), (a_at, a_len.min(8.0))) };
        let freeze = (events & 1 == 1 || events == 0).then(|| Freeze {
            start_ns: at(fz.0),
            len_ns: (fz.1 * i as f64) as i64,
            capacity: overflow,
            shuffle,
        });
        let loss = (events & 2 == 2 || events == 0).then(|| Window { start_ns: at(ls.0), len_ns: (ls.1 * i as f64) as i64 });
        let near = |k: u64| {
            let s = k as f64;
            [fz, ls].iter().any(|(st, len)| s > st - 4.0 && s < st + len + 4.0) || k < 3 || k + 3 >= count
        };
        let pick_free = |seed: u64| (0..count).map(|d| (seed + d * 7) % count).find(|k| !near(*k));
        let random_lost = if random_loss { picks[..2].iter().filter_map(|s| pick_free(*s)).collect() } else { Vec::new() };
        let dups = if dups { picks[2..].iter().filter_map(|s| pick_free(*s)).collect() } else { Vec::new() };
        let excerpt = excerpt.map(|(before, after)| {
            let lo = (a_at.floor() as u64).saturating_sub(4 + before);
            (lo, ((b_at + b_len).ceil() as u64 + 3 + after).min(count - 1))
        });
        Scenario {
            interval_ns: i,
            count,
            t0_ns: t0,
            base_rtt_ns: base_rtt_us * 1_000,
            tx_jitter_ns: jitter.iter().cycle().take(count as usize).map(|j| j * i / 100_000_000).collect(),
            freeze,
            loss,
            random_lost,
            dups,
            excerpt,
        }
    }
}
