//! keystone and nova played by a loopback HTTP server: login, token renewal,
//! resolution and the watcher over real sockets (the lab's real OpenStack is
//! tested by tests/lab/test-openstack.sh).

use super::cloud::{CloudConfig, Method, Named, Secret};
use super::resolve::other_compute_hosts;
use super::{resolve_server, Nova, NovaWatch};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const ID: &str = "9e0c2a3f-6c1b-4a53-9a0e-2f1c3b4d5e6f";

#[derive(Default)]
struct Counters {
    logins: AtomicUsize,
    gets: AtomicUsize,
    /// Answer os-migrations with 403, as nova's default policy does for a non-admin.
    refuse_migrations: std::sync::atomic::AtomicBool,
}

/// Answers one request: (status, extra header, body).
fn route(
    method: &str,
    path: &str,
    token: Option<&str>,
    port: u16,
    c: &Counters,
) -> (u16, String, Value) {
    if method == "POST" && path == "/v3/auth/tokens" {
        let n = c.logins.fetch_add(1, Ordering::SeqCst) + 1;
        let catalog = json!({"token": {"catalog": [{"type": "compute", "endpoints": [
            {"interface": "public", "region": "RegionOne", "url": format!("http://127.0.0.1:{port}/compute/v2.1/")}
        ]}]}});
        return (201, format!("X-Subject-Token: tok{n}\r\n"), catalog);
    }
    let gets = c.gets.fetch_add(1, Ordering::SeqCst);
    let current = format!("tok{}", c.logins.load(Ordering::SeqCst));
    // The first token expires after 6 requests.
    if token != Some(current.as_str()) || (gets == 6 && current == "tok1") {
        return (
            401,
            String::new(),
            json!({"error": {"code": 401, "message": "The request you have made requires authentication."}}),
        );
    }
    let migrating = gets >= 8;
    if path.contains("/os-migrations") && c.refuse_migrations.load(Ordering::SeqCst) {
        let message = "Policy doesn't allow os_compute_api:os-migrations:index to be performed.";
        return (
            403,
            String::new(),
            json!({"forbidden": {"code": 403, "message": message}}),
        );
    }
    let base = "/compute/v2.1";
    let body = match path.strip_prefix(base).unwrap_or("") {
        p if p == format!("/servers/{ID}") => json!({"server": {
            "id": ID, "name": "migvm-os", "status": if migrating { "MIGRATING" } else { "ACTIVE" },
            "OS-EXT-STS:task_state": if migrating { json!("migrating") } else { Value::Null },
            "OS-EXT-SRV-ATTR:host": "node01", "OS-EXT-SRV-ATTR:instance_name": "instance-00000001",
            "addresses": {"lab": [{"version": 4, "addr": "192.0.2.30"}, {"version": 6, "addr": "2001:db8::30"}]},
            "updated": "2026-11-30T15:49:00Z"}}),
        p if p.ends_with("/os-instance-actions") => {
            let mut list = vec![json!({"request_id": "req-0", "action": "create"})];
            if migrating {
                list.push(json!({"request_id": "req-1", "action": "live-migration"}));
            }
            json!({"instanceActions": list})
        }
        p if p.ends_with("/os-instance-actions/req-1") => json!({"instanceAction": {
            "request_id": "req-1", "action": "live-migration", "start_time": "2026-11-30T15:49:02.000000",
            "events": [{"event": "compute_live_migration", "start_time": "2026-11-30T15:49:14.000000",
                        "finish_time": null, "result": null, "host": "node01"}]}}),
        p if p.starts_with("/os-migrations?instance_uuid=") => json!({"migrations": if migrating {
            vec![json!({"id": 7, "status": "running", "created_at": "2026-11-30T15:49:02.000000", "updated_at": "2026-11-30T15:49:14.000000"})]
        } else { Vec::new() }}),
        "/os-services?binary=nova-compute" => json!({"services": [
            {"host": "node01", "status": "enabled", "state": "up"},
            {"host": "node02", "status": "enabled", "state": "up"}]}),
        "/servers/detail?all_tenants=1&name=%5Emigvm-os%24" => {
            json!({"servers": [{"id": ID, "name": "migvm-os"}]})
        }
        _ => {
            return (
                404,
                String::new(),
                json!({"itemNotFound": {"code": 404, "message": format!("no {path}")}}),
            )
        }
    };
    (200, String::new(), body)
}

fn serve(conn: TcpStream, port: u16, c: &Counters) -> std::io::Result<()> {
    let mut r = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    );
    let (mut token, mut length) = (None, 0usize);
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap_or((&h, ""));
        match k.to_ascii_lowercase().as_str() {
            "x-auth-token" => token = Some(v.trim().to_owned()),
            "content-length" => length = v.trim().parse().unwrap_or(0),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body)?;
    let (status, extra, json) = route(&method, &path, token.as_deref(), port, c);
    let text = json.to_string();
    let mut w = conn;
    write!(w, "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{text}", text.len())
}

fn fake_cloud() -> (CloudConfig, Arc<Counters>) {
    fake_cloud_with(Counters::default())
}

fn fake_cloud_with(counters: Counters) -> (CloudConfig, Arc<Counters>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let c = Arc::new(counters);
    let served = Arc::clone(&c);
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            let _ = serve(conn, port, &served);
        }
    });
    let cloud = CloudConfig {
        auth_url: format!("http://127.0.0.1:{port}/v3"),
        method: Method::Password {
            user: Named {
                name: Some("admin".into()),
                ..Named::default()
            },
            password: Secret("pw".into()),
        },
        project: Some(Named {
            name: Some("admin".into()),
            ..Named::default()
        }),
        region: None,
        interface: "public".into(),
        cacert: None,
        insecure: false,
        origin: "test".into(),
    };
    (cloud, c)
}

#[test]
fn login_resolve_and_watch_over_http_with_a_token_renewed() {
    let (cloud, c) = fake_cloud();
    let mut nova = Nova::connect(cloud).unwrap();
    assert!(
        nova.compute_url().ends_with("/compute/v2.1"),
        "{}",
        nova.compute_url()
    );
    let by_name = resolve_server(&mut nova, "migvm-os").unwrap();
    assert_eq!(by_name.id, ID);
    assert_eq!(by_name.host.as_deref(), Some("node01"));
    assert_eq!(by_name.addresses.len(), 2);
    assert_eq!(
        other_compute_hosts(&mut nova, "node01").unwrap(),
        ["node02"]
    );
    let e = resolve_server(&mut nova, "9e0c2a3f-6c1b-4a53-9a0e-000000000000").unwrap_err();
    assert!(e.to_string().contains("no server with ID"), "{e}");
    let (tx, rx) = std::sync::mpsc::channel();
    let watch = NovaWatch::start(nova, ID.into(), Duration::from_millis(100), tx);
    std::thread::sleep(Duration::from_millis(900));
    watch.stop();
    let kinds: Vec<String> = rx.try_iter().map(|e| e.kind.as_str().to_owned()).collect();
    assert_eq!(
        c.logins.load(Ordering::SeqCst),
        2,
        "the expired token was renewed once"
    );
    for k in [
        "nova_server",
        "nova_action",
        "nova_action_event",
        "nova_migration",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
    assert_eq!(
        kinds.iter().filter(|k| *k == "nova_action").count(),
        1,
        "{kinds:?}"
    );
    assert!(!kinds.iter().any(|k| k == "connection_lost"), "{kinds:?}");
}

#[test]
fn a_cloud_that_does_not_answer_is_an_error_naming_the_url() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (mut cloud, _) = fake_cloud();
    cloud.auth_url = format!("http://127.0.0.1:{port}");
    let e = Nova::connect(cloud).unwrap_err().to_string();
    assert!(
        e.contains(&format!("127.0.0.1:{port}/v3/auth/tokens")),
        "{e}"
    );
}

#[test]
fn migration_records_refused_are_one_note_and_the_rest_goes_on() {
    let (cloud, _) = fake_cloud_with(Counters {
        refuse_migrations: true.into(),
        ..Counters::default()
    });
    let nova = Nova::connect(cloud).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let watch = NovaWatch::start(nova, ID.into(), Duration::from_millis(100), tx);
    std::thread::sleep(Duration::from_millis(900));
    watch.stop();
    let events: Vec<_> = rx.try_iter().collect();
    let notes: Vec<_> = events
        .iter()
        .filter(|e| e.kind.as_str() == "note")
        .collect();
    assert_eq!(notes.len(), 1, "{events:?}");
    assert!(notes[0].detail["message"]
        .as_str()
        .unwrap()
        .contains("admin only"));
    assert!(
        events.iter().any(|e| e.kind.as_str() == "nova_action"),
        "{events:?}"
    );
    assert!(
        !events.iter().any(|e| e.kind.as_str() == "connection_lost"),
        "{events:?}"
    );
}
