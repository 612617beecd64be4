use super::*;
use serde_json::json;

#[test]
fn uuids_are_told_from_names() {
    assert!(is_uuid("9e0c2a3f-6c1b-4a53-9a0e-2f1c3b4d5e6f"));
    assert!(!is_uuid("migvm-os"));
    assert!(!is_uuid("9e0c2a3f-6c1b-4a53-9a0e-2f1c3b4d5e6"));
    assert!(!is_uuid("9e0c2a3f-6c1b-4a53-9a0e+2f1c3b4d5e6f"));
}

#[test]
fn a_name_is_an_exact_regex_in_a_query() {
    assert_eq!(regex_escape("vm.1(a)"), "vm\\.1\\(a\\)");
    assert_eq!(query_escape("^vm 1$"), "%5Evm%201%24");
}

#[test]
fn a_server_gives_its_addresses_fixed_first_and_its_admin_fields() {
    let s = json!({
        "id": "9e0c2a3f-6c1b-4a53-9a0e-2f1c3b4d5e6f", "name": "migvm-os", "status": "ACTIVE",
        "OS-EXT-SRV-ATTR:host": "node01", "OS-EXT-SRV-ATTR:instance_name": "instance-00000001",
        "addresses": {"lab": [
            {"version": 4, "addr": "198.51.100.7", "OS-EXT-IPS:type": "floating"},
            {"version": 4, "addr": "192.0.2.30", "OS-EXT-IPS:type": "fixed"},
            {"version": 6, "addr": "2001:db8::30", "OS-EXT-IPS:type": "fixed"},
            {"version": 4, "addr": "not an address"}
        ]}
    });
    let r = parse_server(&s).unwrap();
    let addrs: Vec<String> = r.addresses.iter().map(ToString::to_string).collect();
    assert_eq!(addrs, ["192.0.2.30", "2001:db8::30", "198.51.100.7"]);
    assert_eq!(
        (r.host.as_deref(), r.instance_name.as_deref()),
        (Some("node01"), Some("instance-00000001"))
    );
    let user_view = json!({"id": "x", "name": "n", "addresses": {}});
    let r = parse_server(&user_view).unwrap();
    assert_eq!(
        (r.host, r.instance_name, r.addresses.len()),
        (None, None, 0)
    );
    assert!(parse_server(&json!({"name": "no id"})).is_none());
}

#[test]
fn one_name_one_server() {
    let two = json!({"servers": [{"id": "a"}, {"id": "b"}]});
    let e = one_server(&two, "vm").unwrap_err().to_string();
    assert!(e.contains("2 servers are named vm (a, b)"), "{e}");
    assert!(one_server(&json!({"servers": []}), "vm")
        .unwrap_err()
        .to_string()
        .contains("give its ID"));
    assert_eq!(
        one_server(&json!({"servers": [{"id": "a"}]}), "vm").unwrap()["id"],
        "a"
    );
}

#[test]
fn destinations_are_the_other_enabled_computes_that_are_up() {
    let body = json!({"services": [
        {"binary": "nova-compute", "host": "node01", "status": "enabled", "state": "up"},
        {"binary": "nova-compute", "host": "node02", "status": "enabled", "state": "up"},
        {"binary": "nova-compute", "host": "node03", "status": "disabled", "state": "up"},
        {"binary": "nova-compute", "host": "node04", "status": "enabled", "state": "down"}
    ]});
    assert_eq!(compute_hosts(&body, "node01"), ["node02"]);
}
