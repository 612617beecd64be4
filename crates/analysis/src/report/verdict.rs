//! The sentences a person reads first, shared by summary.md and the chart title.

use super::json::class_name;
use super::text::{count, dur, dur_fixed, dur_like, dur_res, plural};
use crate::analysis::model::{Analysis, Downtime, Outage, OutageClass, Unobserved};
use crate::analysis::verdict::Outcome;
use migprobe_probe::record::Origin;

/// Address (or `#id`) of a target.
pub(crate) fn target_name(a: &Analysis, id: u32) -> String {
    a.targets
        .iter()
        .find(|t| t.id == id)
        .map(|t| {
            let addr = match t.probe {
                Some(kind) => format!("{} via {kind}", t.addr),
                None => t.addr.to_string(),
            };
            if t.name.is_empty() || t.name == t.addr.to_string() {
                addr
            } else {
                format!("{} ({addr})", t.name)
            }
        })
        .unwrap_or_else(|| format!("target #{id}"))
}

/// The outage the headline downtime came from (in a run of several
/// migrations, among the outages of the migration shown).
pub(crate) fn headline_outage<'a>(a: &'a Analysis, d: &Downtime) -> Option<&'a Outage> {
    let shown = a.campaign.as_ref().map(|c| c.shown);
    let mine = || {
        a.outages
            .iter()
            .filter(move |o| o.target_id == d.target_id && shown.is_none_or(|m| o.migration == m))
    };
    mine()
        .find(|o| o.estimate_ns == d.network_ns && o.class == d.class)
        .or_else(|| mine().min_by_key(|o| o.estimate_ns.abs_diff(d.network_ns)))
}

/// In a run of several migrations, which one the headline shows: "In
/// migration 2 of 8, the worst by network downtime (median 162 ms)".
pub(crate) fn shown_migration(a: &Analysis) -> Option<String> {
    let c = a.campaign.as_ref()?;
    let shown = c.shown?;
    let of = if c.measured < c.migrations {
        format!(" of the {} measured", c.measured)
    } else {
        String::new()
    };
    let median = c
        .median_network_ns
        .map(|m| format!(" (median {}{of})", dur(m)))
        .unwrap_or_default();
    Some(format!(
        "In migration {} of {}{}, the worst by network downtime{median}",
        shown.saturating_add(1),
        c.migrations,
        shown_guest(a)
    ))
}

/// " (guest NAME)" when the headline's target belongs to a guest of a host
/// evacuation; empty otherwise.
fn shown_guest(a: &Analysis) -> String {
    let d = a.downtime.as_ref();
    let guest = d.and_then(|d| {
        a.targets
            .iter()
            .find(|t| t.id == d.target_id)?
            .domain
            .as_ref()
    });
    guest.map(|g| format!(" (guest {g})")).unwrap_or_default()
}

/// "Migration 2 of 8 (worst; median 162 ms): " before the chart title; empty
/// for one migration.
fn shown_migration_short(a: &Analysis) -> String {
    let Some((c, shown)) = a.campaign.as_ref().and_then(|c| Some((c, c.shown?))) else {
        return String::new();
    };
    let median = c
        .median_network_ns
        .map(|m| format!("; median {}", dur(m)))
        .unwrap_or_default();
    format!(
        "Migration {} of {}{} (worst{median}): ",
        shown.saturating_add(1),
        c.migrations,
        shown_guest(a)
    )
}

/// `s` with its first letter in upper case.
fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    let first = c.next().map(|f| f.to_uppercase().collect::<String>());
    format!("{}{}", first.unwrap_or_default(), c.as_str())
}

/// `what` opened by [`shown_migration`] ("In migration 2 of 8, …, the guest
/// was …"), or capitalized for one migration ("The guest was …").
fn opened(a: &Analysis, what: &str) -> String {
    match shown_migration(a) {
        Some(intro) => format!("{intro}, {what}"),
        None => capitalized(what),
    }
}

/// The QEMU pause for people: "54.3 ms", with its resolution when it is not
/// on QEMU's own clocks ("54.3 ms (± 1 ms)").
pub(crate) fn qemu_pause(q: i64, resolution: Option<i64>) -> String {
    match resolution {
        Some(r) => format!("{} (± {})", dur_res(q, r), dur(r)),
        None => dur(q),
    }
}

/// Half-width of the bracket around the estimate (the larger side).
pub(crate) fn plus_minus(est: i64, lo: i64, hi: i64) -> i64 {
    est.saturating_sub(lo).max(hi.saturating_sub(est)).max(0)
}

/// True when the run had no hypervisor side at all: probes only, or probes
/// and a trigger without libvirt events (its outages are not a switchover's).
pub(crate) fn probe_only(a: &Analysis) -> bool {
    a.phases.is_empty() && a.events.iter().all(|e| e.origin == Origin::Local)
}

fn total(a: &Analysis, f: impl Fn(&crate::analysis::TargetSummary) -> u64) -> u64 {
    a.summaries.iter().fold(0u64, |s, t| s.saturating_add(f(t)))
}

/// Probes sent, all targets.
pub(crate) fn sent(a: &Analysis) -> u64 {
    total(a, |t| t.sent)
}

/// Probes never answered (unsettled ones included), all targets.
pub(crate) fn lost(a: &Analysis) -> u64 {
    total(a, |t| t.lost.saturating_add(t.unsettled))
}

/// libvirt's `downtime` statistic (ms) from the migration statistics.
pub(crate) fn stats_downtime_ns(a: &Analysis) -> Option<i64> {
    let v = a.migration.as_ref()?.stats.as_ref()?.get("downtime")?;
    let ms = v.as_f64()?;
    (ms.is_finite() && ms.abs() < 9e12).then_some((ms * 1e6) as i64)
}

/// Why the migration did not succeed, when it did not: "The migration failed
/// (the trigger command exited with code 1)".
fn failure(a: &Analysis) -> Option<String> {
    let trig = a
        .trigger
        .as_ref()
        .and_then(|t| match (t.exited_ns, t.exit_code) {
            (Some(_), Some(0)) => None,
            (Some(_), Some(c)) => Some(format!("the trigger command exited with code {c}")),
            (Some(_), None) => Some("the trigger command was killed by a signal".to_owned()),
            (None, _) if t.started_ns.is_some() => {
                Some("the trigger command had not exited when the run ended".to_owned())
            }
            (None, _) => None,
        });
    let result = a.migration.as_ref().map(|m| m.result.as_str());
    match (result, trig) {
        (Some(r @ ("failed" | "cancelled")), Some(t)) => Some(format!("The migration {r} ({t})")),
        (Some(r @ ("failed" | "cancelled")), None) => Some(format!("The migration {r}")),
        (_, Some(t)) => Some(capitalized(&t)),
        _ => None,
    }
}

/// "Replies were queued and flushed on resume: a freeze, 0 probes lost."
pub(crate) fn class_sentence(class: OutageClass, o: Option<&Outage>) -> String {
    match (class, o) {
        (OutageClass::Freeze, Some(o)) => format!(
            "Replies were queued and flushed on resume: a freeze, {} lost.",
            plural(o.lost, "probe", "probes")
        ),
        (OutageClass::Freeze, None) => {
            "Replies were queued and flushed on resume: a freeze.".to_owned()
        }
        (OutageClass::Loss, Some(o)) => format!(
            "{} got no reply at all: a loss.",
            plural(o.lost, "probe", "probes")
        ),
        (OutageClass::Loss, None) => "Probes got no reply at all: a loss.".to_owned(),
        (OutageClass::Mixed, Some(o)) => format!(
            "{} never answered and {} came back late (queued): both lost and queued (mixed).",
            plural(o.lost, "probe was", "probes were"),
            plural(o.queued, "reply", "replies")
        ),
        (OutageClass::Mixed, None) => {
            "Some probes were never answered, others came back late (queued): mixed.".to_owned()
        }
    }
}

/// "182 ms (± 0.5 ms)".
pub(crate) fn estimate(est: i64, lo: i64, hi: i64) -> String {
    let pm = plus_minus(est, lo, hi);
    format!("{} (± {})", dur_res(est, pm), dur_like(pm, est))
}

/// An outage's length as [`estimate`] puts it, or "at least …" when it had
/// not ended when probing stopped (no upper bound to give).
pub(crate) fn outage_length(o: &Outage) -> String {
    length(o.estimate_ns, o.bracket_lo_ns, o.bracket_hi_ns, o.open_end)
}

/// The headline downtime as [`outage_length`] puts it.
pub(crate) fn downtime_length(d: &Downtime) -> String {
    length(d.network_ns, d.bracket_lo_ns, d.bracket_hi_ns, d.open_end)
}

fn length(est: i64, lo: i64, hi: i64, open_end: bool) -> String {
    if open_end {
        let lo = dur_fixed(lo, plus_minus(est, lo, hi));
        format!("at least {lo} (still not answering when probing stopped)")
    } else {
        estimate(est, lo, hi)
    }
}

/// The verdict: one paragraph of plain text (one to three sentences).
pub(crate) fn verdict(a: &Analysis) -> String {
    let lead = lead(a);
    if sent(a) == 0 {
        return no_probes(a, &lead);
    }
    let mut sentences = match &a.downtime {
        Some(d) if probe_only(a) => longest_outage(a, d, &lead),
        Some(d) => headline(a, d, &lead),
        None => no_outage(a, &lead),
    };
    sentences.extend(blind_sentence(a));
    sentences.join(" ")
}

/// What the prober could not observe, when it could hide an outage:
/// "Inconclusive: the prober could not observe 812 ms of the run (the prober
/// fell behind and skipped its slots), around the switchover: no outage can
/// be ruled out there."
pub(crate) fn blind_sentence(a: &Analysis) -> Option<String> {
    let hiding: Vec<&Unobserved> = a.unobserved.iter().filter(|w| w.can_hide_outage).collect();
    let longest = hiding.iter().max_by_key(|w| w.duration_ns())?;
    let total = hiding
        .iter()
        .fold(0i64, |s, w| s.saturating_add(w.duration_ns()));
    let mut targets: Vec<u32> = hiding.iter().map(|w| w.target_id).collect();
    targets.sort_unstable();
    targets.dedup();
    let whom = if a.targets.len() > 1 {
        format!(
            " {} for {} in all",
            plural(targets.len() as u64, "target", "targets"),
            dur(total)
        )
    } else {
        format!(" {}", dur(total))
    };
    let what = format!(
        "the prober could not observe{whom} ({}; longest {} from {} into the run)",
        longest.cause.explain(),
        dur(longest.duration_ns()),
        dur(longest.start_ns.since(a.start_ns))
    );
    Some(if !a.inconclusive {
        format!("Elsewhere {what}; none of it overlaps the switchover, so the verdict stands.")
    } else if hiding.iter().any(|w| w.overlaps_switchover) {
        format!(
            "Inconclusive: {what}, overlapping the switchover: no outage can be ruled out there."
        )
    } else {
        format!("Inconclusive: {what}: no outage can be ruled out there.")
    })
}

/// What the verdict opens with when the migration failed or the run was cut
/// short ("The migration failed. "); empty otherwise.
fn lead(a: &Analysis) -> String {
    match (failure(a), a.truncated) {
        (Some(f), true) => format!("{f}, and the run was cut short (no footer). "),
        (Some(f), false) => format!("{f}. "),
        (None, true) => "The run was cut short (no footer), so this is partial. ".to_owned(),
        (None, false) => String::new(),
    }
}

/// " (192.0.2.10)" after a figure when the run probed several targets.
fn on_target(a: &Analysis, id: u32) -> String {
    if a.targets.len() > 1 {
        format!(" ({})", target_name(a, id))
    } else {
        String::new()
    }
}

/// The verdict of a run without probes: nothing measured, and what the
/// hypervisor said if it did.
fn no_probes(a: &Analysis, lead: &str) -> String {
    let what = if probe_only(a) {
        "No probes were recorded, so there is nothing to measure.".to_owned()
    } else {
        "No probes were recorded, only hypervisor events: the network downtime is unknown."
            .to_owned()
    };
    let extra = stats_downtime_ns(a)
        .map(|h| format!(" The hypervisor reported {} of downtime.", dur(h)))
        .unwrap_or_default();
    format!("{lead}{what}{extra}")
}

/// The sentences of a run with probes only: its longest outage and its class.
fn longest_outage(a: &Analysis, d: &Downtime, lead: &str) -> Vec<String> {
    let o = headline_outage(a, d);
    let at = o
        .map(|o| format!(", {} into the run", dur(o.start_ns.since(a.start_ns))))
        .unwrap_or_default();
    let what = format!(
        "the longest outage{}: the guest was unreachable for {}{at}; no hypervisor events were recorded to compare it with.",
        on_target(a, d.target_id),
        downtime_length(d)
    );
    vec![
        format!("{lead}{}", opened(a, &what)),
        class_sentence(d.class, o),
    ]
}

/// The sentences of a migration's headline: how long the guest was
/// unreachable against the hypervisor's figure, what it was made of, and
/// its class.
fn headline(a: &Analysis, d: &Downtime, lead: &str) -> Vec<String> {
    let mut what = format!(
        "the guest{} was unreachable for {}",
        on_target(a, d.target_id),
        downtime_length(d)
    );
    what.push_str(&comparison(d));
    if let Some(parts) = parts(d) {
        what.push_str(&format!(": {parts}"));
    }
    what.push('.');
    vec![
        format!("{lead}{}", opened(a, &what)),
        class_sentence(d.class, headline_outage(a, d)),
    ]
}

/// The time the target was unresponsive before the guest was paused, when
/// it is more than the estimate's ± (the parts then add up within it).
pub(crate) fn before_pause(d: &Downtime) -> Option<i64> {
    let pm = plus_minus(d.network_ns, d.bracket_lo_ns, d.bracket_hi_ns);
    d.before_pause_part_ns.filter(|b| *b > pm)
}

/// What the network downtime was made of: "16 ms unresponsive before the
/// pause + 150 ms paused + 63.2 ms network convergence" (the first part
/// only when [`before_pause`] names it).
fn parts(d: &Downtime) -> Option<String> {
    let (p, c) = (d.pause_part_ns?, d.convergence_part_ns?);
    let before = before_pause(d)
        .map(|b| format!("{} unresponsive before the pause + ", dur(b)))
        .unwrap_or_default();
    let at_least = if d.open_end { "at least " } else { "" };
    Some(format!(
        "{before}{} paused + {at_least}{} network convergence",
        dur(p),
        dur(c)
    ))
}

/// ", matching the 180 ms QEMU kept it paused", ", 12 ms longer than the
/// 170 ms the hypervisor reported", or that there is nothing to compare.
fn comparison(d: &Downtime) -> String {
    let pm = plus_minus(d.network_ns, d.bracket_lo_ns, d.bracket_hi_ns);
    let reference = match (d.qemu_pause_ns, d.hypervisor_ns) {
        (Some(q), _) => Some((
            q,
            qemu_pause(q, d.qemu_pause_resolution_ns),
            d.qemu_pause_resolution_ns.unwrap_or(0),
            "QEMU kept it paused",
        )),
        (None, Some(h)) => Some((h, dur(h), 0, "the hypervisor reported")),
        (None, None) => None,
    };
    let Some((r, shown, res, who)) = reference else {
        return ", with no hypervisor downtime figure to compare".to_owned();
    };
    let diff = d.difference_ns.unwrap_or(d.network_ns.saturating_sub(r));
    let tolerance = pm.max(500_000).saturating_add(res);
    let mut s = if diff.unsigned_abs() <= tolerance.unsigned_abs() {
        format!(", matching the {shown} {who}")
    } else {
        let dir = if diff > 0 { "longer" } else { "shorter" };
        let at_least = if d.open_end { "at least " } else { "" };
        format!(
            ", {at_least}{} {dir} than the {shown} {who}",
            dur(diff.saturating_abs())
        )
    };
    if let (Some(q), Some(h)) = (d.qemu_pause_ns, d.hypervisor_ns) {
        if q != h {
            s.push_str(&format!(" (libvirt reported {})", dur(h)));
        }
    }
    s
}

/// The sentences of a run without a headline outage: the guest stayed
/// reachable (or no outage coincided with the switchover, and the longest
/// one elsewhere).
fn no_outage(a: &Analysis, lead: &str) -> Vec<String> {
    let opening = if a.inconclusive {
        "No outage was seen in"
    } else {
        "The guest stayed reachable: no outage in"
    };
    let mut first = format!(
        "{lead}{opening} {} ({} lost)",
        plural(sent(a), "probe", "probes"),
        count(lost(a))
    );
    if let Some(h) = stats_downtime_ns(a) {
        first.push_str(&format!(
            ", although the hypervisor reported {} of downtime (shorter than the probes can resolve)",
            dur(h)
        ));
    }
    first.push('.');
    let Some(o) = a.outages.iter().max_by_key(|o| o.estimate_ns) else {
        return vec![first];
    };
    let phase = o.phase.map(|p| format!(" during {p}")).unwrap_or_default();
    let phase = match o.migration {
        Some(i) if o.phase.is_some() => format!("{phase} of migration {}", i.saturating_add(1)),
        Some(i) => format!(" in migration {}", i.saturating_add(1)),
        None => phase,
    };
    vec![
        first.replace(opening, "No outage coincided with the switchover among"),
        format!(
            "The longest outage elsewhere was {}{}{phase}.",
            outage_length(o),
            on_target(a, o.target_id)
        ),
    ]
}

/// A short headline for the chart title.
pub(crate) fn title(a: &Analysis) -> String {
    let mut t = String::new();
    if let Some(f) = failure(a) {
        if a.migration
            .as_ref()
            .is_some_and(|m| m.result != Outcome::Completed)
        {
            t.push_str(&format!(
                "[migration {}] ",
                a.migration.as_ref().map_or("failed", |m| m.result.as_str())
            ));
        } else if f.starts_with("The trigger") {
            t.push_str("[trigger failed] ");
        }
    }
    if a.truncated {
        t.push_str("[cut short] ");
    }
    if a.inconclusive {
        t.push_str("[inconclusive: prober blind] ");
    }
    if sent(a) == 0 {
        t.push_str("no probe data");
        return t;
    }
    match &a.downtime {
        Some(d) => {
            t.push_str(&shown_migration_short(a));
            t.push_str(&format!(
                "Unreachable {} {}",
                downtime_length(d),
                class_name(d.class)
            ));
            if let Some(q) = d.qemu_pause_ns {
                let q = qemu_pause(q, d.qemu_pause_resolution_ns);
                t.push_str(&format!(" · QEMU pause {q}"));
            }
            if let Some(h) = d.hypervisor_ns {
                t.push_str(&format!(" · libvirt downtime {}", dur(h)));
            }
            if a.targets.len() > 1 {
                t.push_str(&format!(" · {}", target_name(a, d.target_id)));
            }
            if probe_only(a) {
                t.push_str(" (longest outage, no hypervisor events)");
            }
        }
        None => match a.outages.iter().max_by_key(|o| o.estimate_ns) {
            None => t.push_str(&format!(
                "No outage · {} probes, {} lost",
                count(sent(a)),
                count(lost(a))
            )),
            Some(o) => t.push_str(&format!(
                "No outage at the switchover · longest elsewhere {}",
                dur(o.estimate_ns)
            )),
        },
    }
    t
}
