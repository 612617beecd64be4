//! One terminal line per event, for `events` and `run`.

use migprobe_probe::record::EventLine;
use migprobe_probe::types::RealNs;
use serde_json::Value;

/// `  +12.345 s  src  suspended              reason=migrated`
pub(crate) fn render(e: &EventLine, t0: RealNs) -> String {
    let origin = serde_json::to_value(e.origin)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut parts = Vec::new();
    if let Value::Object(m) = &e.detail {
        for (k, v) in m.iter().filter(|(k, _)| k.as_str() != "domain").take(6) {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            parts.push(format!("{k}={v}"));
        }
    }
    let line = format!(
        "{:>+10.3} s  {:<5}{:<26}{}",
        e.at_ns.since(t0) as f64 / 1e9,
        origin,
        e.kind,
        parts.join(" ")
    );
    migprobe_probe::redact::redact(&line).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use migprobe_probe::record::Origin;
    use serde_json::json;

    #[test]
    fn shows_time_origin_kind_and_detail() {
        let e = EventLine {
            at_ns: RealNs(1_500_000_000),
            source_ts_ns: None,
            origin: Origin::Src,
            kind: "suspended".into(),
            detail: json!({"domain": "migvm", "reason": "migrated"}),
            raw: None,
        };
        assert_eq!(
            render(&e, RealNs(0)),
            "    +1.500 s  src  suspended                 reason=migrated"
        );
    }
}
