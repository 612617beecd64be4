//! The metric families of one report: per migration (`migrations`), per
//! target, and the run's span. Every figure is taken from the [`Report`]
//! itself, so it is report.json's number in seconds.

use super::migrations::migration_families;
use super::text::{family, secs, with, Family, Labels, Sample};
use super::MetricsLabels;
use crate::report::json::Report;

/// The host of a libvirt URI (`qemu+ssh://root@hv1:22/system` → hv1); None
/// for a local one (`qemu:///system`).
fn uri_host(uri: &str) -> Option<String> {
    let authority = uri.split_once("://")?.1.split('/').next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host_port.split(':').next()?,
    };
    (!host.is_empty()).then(|| host.to_owned())
}

/// The labels every sample carries: domain, source, destination, campaign, probe.
fn common(r: &Report, l: &MetricsLabels) -> Labels {
    let side = |side: &str, key: &str| -> Option<String> {
        r.run
            .hypervisors
            .get(side)?
            .get(key)?
            .as_str()
            .map(str::to_owned)
    };
    let host = |s: &str| {
        side(s, "hostname")
            .or_else(|| uri_host(&side(s, "uri")?))
            .unwrap_or_default()
    };
    vec![
        (
            "domain",
            side("src", "domain")
                .or_else(|| side("dst", "domain"))
                .unwrap_or_default(),
        ),
        ("source", host("src")),
        ("destination", host("dst")),
        ("campaign", l.campaign.clone()),
        ("probe", l.probe.clone()),
    ]
}

/// The per-target families: probes sent and lost, the longest outage.
fn target_families(r: &Report, base: &[(&'static str, String)]) -> Vec<Family> {
    let mut sent = Vec::new();
    let mut lost = Vec::new();
    let mut longest = Vec::new();
    for t in &r.targets {
        let labels = with(base, "target", &t.addr);
        let outage = r
            .outages
            .iter()
            .filter(|o| o.target == t.target)
            .map(|o| o.estimate_ms)
            .fold(0.0, f64::max);
        let sample = |value| Sample::new(labels.clone(), value);
        sent.push(sample(t.sent as f64));
        lost.push(sample(t.lost as f64));
        longest.push(sample(secs(outage)));
    }
    vec![
        family(
            "migprobe_target_sent_probes",
            "Probes sent to the target during the run.",
            None,
            sent,
        ),
        family(
            "migprobe_target_lost_probes",
            "Probes to the target never answered during the run.",
            None,
            lost,
        ),
        family(
            "migprobe_target_longest_outage_seconds",
            "Estimated length of the target's longest outage during the run (0 without one).",
            Some("seconds"),
            longest,
        ),
    ]
}

/// Every family of report `r`.
pub(super) fn families(r: &Report, l: &MetricsLabels) -> Vec<Family> {
    let base = common(r, l);
    let run = |ns: i64| vec![Sample::new(base.clone(), (ns / 1_000) as f64 / 1e6)];
    let mut out = migration_families(r, &base);
    out.extend(target_families(r, &base));
    out.push(family(
        "migprobe_run_start_timestamp_seconds",
        "When the run started (Unix time).",
        Some("seconds"),
        run(r.run.start_ns),
    ));
    out.push(family(
        "migprobe_run_end_timestamp_seconds",
        "When the run's last record was written (Unix time).",
        Some("seconds"),
        run(r.run.end_ns),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_become_the_same_decimal_in_seconds() {
        assert_eq!(secs(182.457).to_string(), "0.182457");
        assert_eq!(secs(1000.0), 1.0);
        assert_eq!(secs(0.001).to_string(), "0.000001");
        assert_eq!(secs(-2.5), -0.0025);
    }

    #[test]
    fn hosts_of_libvirt_uris() {
        let h = |u: &str| uri_host(u);
        assert_eq!(h("qemu+ssh://root@hv1:22/system").as_deref(), Some("hv1"));
        assert_eq!(
            h("qemu+tcp://[2001:db8::1]:16509/system").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(h("qemu:///system"), None);
        assert_eq!(h("nonsense"), None);
    }
}
