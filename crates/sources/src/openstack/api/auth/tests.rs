use super::*;
use crate::openstack::cloud::{CloudConfig, Method, Named, Secret};

fn cloud(method: Method, region: Option<&str>) -> CloudConfig {
    CloudConfig {
        auth_url: "http://192.0.2.5:5000".into(),
        method,
        project: Some(Named {
            name: Some("admin".into()),
            domain_name: Some("Default".into()),
            ..Named::default()
        }),
        region: region.map(str::to_owned),
        interface: "public".into(),
        cacert: None,
        insecure: false,
        origin: "test".into(),
    }
}

fn password() -> Method {
    Method::Password {
        user: Named {
            name: Some("admin".into()),
            domain_name: Some("Default".into()),
            ..Named::default()
        },
        password: Secret("pw".into()),
    }
}

#[test]
fn keystone_base_is_v3_whatever_the_url_says() {
    for u in [
        "http://k:5000",
        "http://k:5000/",
        "http://k:5000/v3",
        "http://k:5000/v3/",
    ] {
        assert_eq!(v3_base(u), "http://k:5000/v3");
    }
}

#[test]
fn a_password_login_is_scoped_to_the_project() {
    let b = request_body(&cloud(password(), None));
    assert_eq!(b["auth"]["identity"]["methods"][0], "password");
    assert_eq!(b["auth"]["identity"]["password"]["user"]["name"], "admin");
    assert_eq!(
        b["auth"]["identity"]["password"]["user"]["domain"]["name"],
        "Default"
    );
    assert_eq!(b["auth"]["scope"]["project"]["name"], "admin");
}

#[test]
fn an_application_credential_is_never_scoped() {
    let m = Method::ApplicationCredential {
        id: "i".into(),
        secret: Secret("s".into()),
    };
    let b = request_body(&cloud(m, None));
    assert_eq!(b["auth"]["identity"]["application_credential"]["id"], "i");
    assert!(b["auth"].get("scope").is_none());
}

#[test]
fn nova_is_found_by_interface_and_region() {
    let body = serde_json::json!({"token": {"catalog": [
        {"type": "identity", "endpoints": [{"interface": "public", "region": "R1", "url": "http://k:5000/v3"}]},
        {"type": "compute", "endpoints": [
            {"interface": "internal", "region": "R1", "url": "http://int:8774/v2.1"},
            {"interface": "public", "region": "R2", "url": "http://r2:8774/v2.1/"},
            {"interface": "public", "region": "R1", "url": "http://r1:8774/v2.1"}
        ]}
    ]}});
    assert_eq!(
        compute_url(&body, &cloud(password(), Some("R1"))).as_deref(),
        Some("http://r1:8774/v2.1")
    );
    assert_eq!(
        compute_url(&body, &cloud(password(), None)).as_deref(),
        Some("http://r2:8774/v2.1")
    );
    assert_eq!(compute_url(&body, &cloud(password(), Some("R3"))), None);
}
