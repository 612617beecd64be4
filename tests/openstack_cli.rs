//! `run --openstack-server`: every refusal before the cloud is reached, or
//! when it cannot be, exits 2 and names the flag or variable and the fix;
//! nothing is written. (The real cloud: tests/lab/test-openstack.sh; HTTP
//! against a played keystone and nova: migprobe-sources' fake_tests.)

use std::net::TcpListener;
use std::process::{Command, Output};

const MIGPROBE: &str = env!("CARGO_BIN_EXE_migprobe");

/// `migprobe run ARGS -- true` with no OS_* variable but `env`.
fn run(args: &[&str], env: &[(&str, &str)]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut c = Command::new(MIGPROBE);
    c.arg("run")
        .args(args)
        .arg("--out")
        .arg(&out)
        .args(["--", "true"]);
    for (k, _) in std::env::vars() {
        if k.starts_with("OS_") {
            c.env_remove(k);
        }
    }
    c.env("HOME", dir.path()).env("XDG_CONFIG_HOME", dir.path());
    c.current_dir(dir.path());
    c.envs(env.iter().copied());
    let o = c.output().unwrap();
    assert!(!out.exists(), "nothing may be written on a refusal");
    (o, dir)
}

fn refused(args: &[&str], env: &[(&str, &str)], wanted: &[&str]) {
    let (o, _dir) = run(args, env);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    for w in wanted {
        assert!(err.contains(w), "{args:?}: {w:?} not in {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("s3cret"), "a secret was printed: {err}");
}

#[test]
fn without_a_cloud_the_missing_variable_is_named() {
    refused(
        &["--openstack-server", "vm"],
        &[],
        &["OS_AUTH_URL", "openrc", "--os-cloud"],
    );
    let no_password = [
        ("OS_AUTH_URL", "http://127.0.0.1:9/v3"),
        ("OS_USERNAME", "admin"),
    ];
    refused(
        &["--openstack-server", "vm"],
        &no_password,
        &["OS_PASSWORD"],
    );
}

#[test]
fn bad_flags_are_named_before_any_login() {
    refused(
        &[
            "--openstack-server",
            "vm",
            "--libvirt-uri-template",
            "qemu+ssh://node/system",
        ],
        &[],
        &["--libvirt-uri-template", "{host}"],
    );
    refused(
        &["--openstack-server", "vm", "--openstack-poll", "1ns"],
        &[],
        &["--openstack-poll"],
    );
    refused(
        &["--os-cloud", "lab", "-t", "192.0.2.1"],
        &[],
        &["--openstack-server"],
    );
    refused(&[], &[], &["--target"]);
    refused(
        &[
            "--openstack-server",
            "vm",
            "--openstack-notifications",
            "amqps://nova:s3cret@bus:5671/",
        ],
        &[],
        &[
            "--openstack-notifications",
            "rabbit://USER:PASSWORD@HOST:5672/",
        ],
    );
}

#[test]
fn an_unknown_cloud_or_a_silent_keystone_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("clouds.yaml");
    std::fs::write(
        &yaml,
        "clouds:\n  lab:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n",
    )
    .unwrap();
    let file = [("OS_CLIENT_CONFIG_FILE", yaml.to_str().unwrap())];
    refused(
        &["--openstack-server", "vm", "--os-cloud", "other"],
        &file,
        &["--os-cloud", "no cloud of that name"],
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/v3");
    let env = [
        ("OS_AUTH_URL", url.as_str()),
        ("OS_USERNAME", "admin"),
        ("OS_PASSWORD", "s3cret"),
        ("OS_PROJECT_NAME", "admin"),
    ];
    refused(
        &["--openstack-server", "vm"],
        &env,
        &[
            &format!("127.0.0.1:{port}/v3/auth/tokens"),
            "logging in to OpenStack",
        ],
    );
}
