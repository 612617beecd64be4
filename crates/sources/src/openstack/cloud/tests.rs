use super::*;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let m: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    move |k| m.get(k).cloned()
}

const OPENRC: &[(&str, &str)] = &[
    ("OS_AUTH_URL", "http://192.0.2.5:5000/v3"),
    ("OS_USERNAME", "admin"),
    ("OS_PASSWORD", "s3cret"),
    ("OS_PROJECT_NAME", "admin"),
    ("OS_USER_DOMAIN_NAME", "Default"),
    ("OS_PROJECT_DOMAIN_NAME", "Default"),
    ("OS_INTERFACE", "publicURL"),
];

#[test]
fn an_openrc_environment_is_a_password_login_scoped_to_its_project() {
    let c = load(None, &env_of(OPENRC)).unwrap();
    assert_eq!(c.auth_url, "http://192.0.2.5:5000/v3");
    assert_eq!(c.interface, "public");
    let Method::Password { user, password } = &c.method else {
        panic!("{c:?}")
    };
    assert_eq!(
        (user.name.as_deref(), password.0.as_str()),
        (Some("admin"), "s3cret")
    );
    assert_eq!(c.project.unwrap().domain_name.as_deref(), Some("Default"));
}

#[test]
fn secrets_never_print() {
    let c = load(None, &env_of(OPENRC)).unwrap();
    assert!(!format!("{c:?}").contains("s3cret"));
}

#[test]
fn a_missing_variable_is_named_with_the_fix() {
    let e = load(None, &env_of(&OPENRC[1..])).unwrap_err();
    assert_eq!(e.flag, "OS_AUTH_URL");
    assert!(e.why.contains("openrc"), "{e}");
    let no_password: Vec<_> = OPENRC
        .iter()
        .copied()
        .filter(|(k, _)| *k != "OS_PASSWORD")
        .collect();
    assert_eq!(
        load(None, &env_of(&no_password)).unwrap_err().flag,
        "OS_PASSWORD"
    );
}

#[test]
fn an_application_credential_needs_no_user_or_project() {
    let env = env_of(&[
        ("OS_AUTH_URL", "https://keystone.example/v3"),
        ("OS_APPLICATION_CREDENTIAL_ID", "abc"),
        ("OS_APPLICATION_CREDENTIAL_SECRET", "xyz"),
    ]);
    let c = load(None, &env).unwrap();
    assert!(matches!(c.method, Method::ApplicationCredential { ref id, .. } if id == "abc"));
    assert!(c.project.is_none());
}

#[test]
fn a_clouds_yaml_cloud_with_its_secure_yaml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("clouds.yaml"),
        "clouds:\n  lab:\n    auth:\n      auth_url: http://192.0.2.5:5000/v3\n      username: demo\n      \
         project_name: demo\n      user_domain_name: Default\n      project_domain_name: Default\n    \
         region_name: RegionOne\n    verify: false\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("secure.yaml"),
        "clouds:\n  lab:\n    auth:\n      password: pw\n",
    )
    .unwrap();
    let home = dir.path().join("home");
    let xdg = dir.path().to_str().unwrap().to_owned();
    // XDG_CONFIG_HOME/openstack is searched: put the files there.
    let osdir = dir.path().join("openstack");
    std::fs::create_dir(&osdir).unwrap();
    for f in ["clouds.yaml", "secure.yaml"] {
        std::fs::rename(dir.path().join(f), osdir.join(f)).unwrap();
    }
    let env = env_of(&[("XDG_CONFIG_HOME", &xdg), ("HOME", home.to_str().unwrap())]);
    let c = load(Some("lab"), &env).unwrap();
    assert_eq!(c.region.as_deref(), Some("RegionOne"));
    assert!(c.insecure);
    assert!(matches!(c.method, Method::Password { ref password, .. } if password.0 == "pw"));
    assert!(c.origin.contains("cloud lab of"), "{}", c.origin);
    let e = load(Some("nope"), &env).unwrap_err();
    assert_eq!(e.flag, "--os-cloud");
    assert!(e.why.contains("no cloud of that name"), "{e}");
}

#[test]
fn os_cloud_picks_clouds_yaml_and_a_bad_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.yaml");
    std::fs::write(&f, "clouds: [unclosed").unwrap();
    let env = env_of(&[
        ("OS_CLOUD", "x"),
        ("OS_CLIENT_CONFIG_FILE", f.to_str().unwrap()),
    ]);
    let e = load(None, &env).unwrap_err();
    assert!(e.why.contains("not valid YAML"), "{e}");
}
