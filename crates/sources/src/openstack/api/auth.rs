//! keystone v3: a token for the configured identity, and nova's URL from the
//! token's catalog.

use super::{json_body, unreachable, ApiError, TIMEOUT};
use crate::openstack::cloud::{CloudConfig, Method, Named, Secret};
use serde_json::{json, Map, Value};
use ureq::tls::{PemItem, RootCerts, TlsConfig};
use ureq::Agent;

/// An HTTP agent with the cloud's TLS settings.
pub(super) fn agent(cloud: &CloudConfig) -> Result<Agent, ApiError> {
    let mut tls = TlsConfig::builder().disable_verification(cloud.insecure);
    if let Some(path) = &cloud.cacert {
        let bad = |why: String| ApiError::Unexpected {
            url: path.display().to_string(),
            why,
        };
        let pem = std::fs::read(path).map_err(|e| bad(format!("OS_CACERT cannot be read: {e}")))?;
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(bad("OS_CACERT holds no PEM certificate".into()));
        }
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    let config = Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .tls_config(tls.build())
        .build();
    Ok(config.into())
}

/// keystone's v3 base: `http://h:5000`, `…/v3` and `…/v3/` all mean `…/v3`.
pub(crate) fn v3_base(auth_url: &str) -> String {
    let base = auth_url.trim_end_matches('/');
    if base.ends_with("/v3") {
        base.to_owned()
    } else {
        format!("{base}/v3")
    }
}

/// A token and nova's URL.
pub(super) fn login(agent: &Agent, cloud: &CloudConfig) -> Result<(Secret, String), ApiError> {
    let url = format!("{}/auth/tokens", v3_base(&cloud.auth_url));
    let resp = agent
        .post(&url)
        .header("Content-Type", "application/json")
        .send(request_body(cloud).to_string())
        .map_err(|e| unreachable(&url, &e))?;
    let token = resp
        .headers()
        .get("X-Subject-Token")
        .and_then(|v| v.to_str().ok())
        .map(|t| Secret(t.to_owned()));
    let body = json_body(&url, resp)?;
    let token = token.ok_or_else(|| ApiError::Unexpected {
        url: url.clone(),
        why: "no X-Subject-Token header".into(),
    })?;
    let compute = compute_url(&body, cloud).ok_or_else(|| ApiError::Unexpected {
        url,
        why: format!(
            "no compute endpoint with interface {} {} in the token's catalog",
            cloud.interface,
            cloud
                .region
                .as_deref()
                .map_or("in any region".into(), |r| format!("in region {r}"))
        ),
    })?;
    Ok((token, compute))
}

fn named(n: &Named) -> Value {
    let mut m = Map::new();
    if let Some(id) = &n.id {
        m.insert("id".into(), json!(id));
    } else if let Some(name) = &n.name {
        m.insert("name".into(), json!(name));
        let domain = match (&n.domain_id, &n.domain_name) {
            (Some(id), _) => json!({ "id": id }),
            (None, Some(name)) => json!({ "name": name }),
            (None, None) => json!({ "id": "default" }),
        };
        m.insert("domain".into(), domain);
    }
    Value::Object(m)
}

/// The body of `POST /v3/auth/tokens` for the cloud's method and project.
pub(crate) fn request_body(cloud: &CloudConfig) -> Value {
    let identity = match &cloud.method {
        Method::Password { user, password } => {
            let mut u = named(user);
            u["password"] = json!(password.0);
            json!({ "methods": ["password"], "password": { "user": u } })
        }
        Method::ApplicationCredential { id, secret } => json!({
            "methods": ["application_credential"],
            "application_credential": { "id": id, "secret": secret.0 }
        }),
        Method::Token(t) => json!({ "methods": ["token"], "token": { "id": t.0 } }),
    };
    let mut auth = json!({ "identity": identity });
    if let (Some(p), false) = (
        &cloud.project,
        matches!(cloud.method, Method::ApplicationCredential { .. }),
    ) {
        auth["scope"] = json!({ "project": named(p) });
    }
    json!({ "auth": auth })
}

/// nova's URL in a token response's catalog, for the interface and region.
pub(crate) fn compute_url(body: &Value, cloud: &CloudConfig) -> Option<String> {
    let catalog = body.get("token")?.get("catalog")?.as_array()?;
    let service = catalog
        .iter()
        .find(|s| s.get("type").and_then(Value::as_str) == Some("compute"))?;
    let field = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).map(str::to_owned);
    service.get("endpoints")?.as_array()?.iter().find_map(|e| {
        let region_ok = cloud.region.as_deref().is_none_or(|r| {
            field(e, "region").as_deref() == Some(r) || field(e, "region_id").as_deref() == Some(r)
        });
        let iface_ok = field(e, "interface").as_deref() == Some(cloud.interface.as_str());
        (region_ok && iface_ok)
            .then(|| field(e, "url"))
            .flatten()
            .map(|u| u.trim_end_matches('/').to_owned())
    })
}

#[cfg(test)]
mod tests;
