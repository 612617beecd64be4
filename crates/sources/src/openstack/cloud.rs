//! Where the cloud is and how to log in: the `OS_*` environment, or one cloud
//! of a `clouds.yaml` (with `secure.yaml` beside it), read from the places the
//! `openstack` CLI reads. A cloud of `clouds.yaml` is turned into the same
//! `OS_*` names first, so both go through one set of rules.
//!
//! Secrets (password, token, application credential secret) are kept in a
//! [`Secret`], whose `Debug` prints nothing of them.

use migprobe_probe::values::{bad, ConfigError};
use serde_yaml_ng::Value;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A value never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A user, project or domain: by name (with its domain) or by ID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Named {
    /// Its name.
    pub name: Option<String>,
    /// Its ID (wins over the name).
    pub id: Option<String>,
    /// The name of its domain.
    pub domain_name: Option<String>,
    /// The ID of its domain.
    pub domain_id: Option<String>,
}

/// How to prove who we are to keystone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// A user and password (`OS_USERNAME`/`OS_USER_ID`, `OS_PASSWORD`).
    Password {
        /// The user.
        user: Named,
        /// The password.
        password: Secret,
    },
    /// An application credential (`OS_APPLICATION_CREDENTIAL_ID`/`_SECRET`).
    ApplicationCredential {
        /// Its ID.
        id: String,
        /// Its secret.
        secret: Secret,
    },
    /// An existing token (`OS_TOKEN`).
    Token(Secret),
}

/// Everything needed to log in and find nova.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudConfig {
    /// keystone's URL (`OS_AUTH_URL`), e.g. `http://192.0.2.5:5000/v3`.
    pub auth_url: String,
    /// How to log in.
    pub method: Method,
    /// The project to scope the token to (none for an application credential).
    pub project: Option<Named>,
    /// The catalog region (`OS_REGION_NAME`), or any.
    pub region: Option<String>,
    /// The endpoint interface: public (default), internal or admin.
    pub interface: String,
    /// A CA bundle for HTTPS (`OS_CACERT`).
    pub cacert: Option<PathBuf>,
    /// Do not verify HTTPS certificates (`OS_INSECURE=true`, clouds.yaml `verify: false`).
    pub insecure: bool,
    /// Where this came from, for messages: "the OS_* environment" or the clouds.yaml path and cloud.
    pub origin: String,
}

/// The cloud to use: `cloud` (`--os-cloud`), else `OS_CLOUD`, from clouds.yaml;
/// else the `OS_*` environment. `env` looks up an environment variable.
pub fn load(
    cloud: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<CloudConfig, ConfigError> {
    let chosen = cloud
        .map(str::to_owned)
        .or_else(|| env("OS_CLOUD").filter(|c| !c.is_empty()));
    match chosen {
        Some(name) => from_clouds_yaml(&name, env),
        None => from_vars(
            &|k| env(k).filter(|v| !v.is_empty()),
            "the OS_* environment",
        ),
    }
}

/// The cloud from `OS_*` variables (`get` returns a variable's value).
fn from_vars(
    get: &dyn Fn(&str) -> Option<String>,
    origin: &str,
) -> Result<CloudConfig, ConfigError> {
    let missing = |var: &str, why: &str| {
        bad(
            var,
            "",
            format!("not set in {origin}: {why}; source your openrc file or give --os-cloud NAME"),
        )
    };
    let auth_url =
        get("OS_AUTH_URL").ok_or_else(|| missing("OS_AUTH_URL", "keystone's URL is needed"))?;
    let method = if let Some(id) = get("OS_APPLICATION_CREDENTIAL_ID") {
        let secret = get("OS_APPLICATION_CREDENTIAL_SECRET").ok_or_else(|| {
            missing(
                "OS_APPLICATION_CREDENTIAL_SECRET",
                "the application credential needs its secret",
            )
        })?;
        Method::ApplicationCredential {
            id,
            secret: Secret(secret),
        }
    } else if let Some(t) = get("OS_TOKEN") {
        Method::Token(Secret(t))
    } else {
        let user = Named {
            name: get("OS_USERNAME"),
            id: get("OS_USER_ID"),
            domain_name: get("OS_USER_DOMAIN_NAME").or_else(|| get("OS_DOMAIN_NAME")),
            domain_id: get("OS_USER_DOMAIN_ID").or_else(|| get("OS_DOMAIN_ID")),
        };
        if user.name.is_none() && user.id.is_none() {
            return Err(missing(
                "OS_USERNAME",
                "no user, application credential or token to log in with",
            ));
        }
        let password = get("OS_PASSWORD")
            .ok_or_else(|| missing("OS_PASSWORD", "the user needs a password"))?;
        Method::Password {
            user,
            password: Secret(password),
        }
    };
    let project = Named {
        name: get("OS_PROJECT_NAME").or_else(|| get("OS_TENANT_NAME")),
        id: get("OS_PROJECT_ID").or_else(|| get("OS_TENANT_ID")),
        domain_name: get("OS_PROJECT_DOMAIN_NAME").or_else(|| get("OS_DOMAIN_NAME")),
        domain_id: get("OS_PROJECT_DOMAIN_ID").or_else(|| get("OS_DOMAIN_ID")),
    };
    let scoped = project.name.is_some() || project.id.is_some();
    let interface = get("OS_INTERFACE").unwrap_or_else(|| "public".into());
    let interface = interface.trim_end_matches("URL").to_owned();
    Ok(CloudConfig {
        auth_url,
        method,
        project: scoped.then_some(project),
        region: get("OS_REGION_NAME"),
        interface,
        cacert: get("OS_CACERT").map(PathBuf::from),
        insecure: get("OS_INSECURE")
            .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "True" | "yes")),
        origin: origin.to_owned(),
    })
}

/// Where clouds.yaml and secure.yaml may be, in the CLI's order.
fn config_dirs(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(".")];
    if let Some(x) = env("XDG_CONFIG_HOME") {
        dirs.push(Path::new(&x).join("openstack"));
    }
    if let Some(h) = env("HOME") {
        dirs.push(Path::new(&h).join(".config/openstack"));
    }
    dirs.push(PathBuf::from("/etc/openstack"));
    dirs
}

/// The first file named `name` in the config directories (or `OS_CLIENT_CONFIG_FILE`).
fn find_file(name: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if name == "clouds.yaml" {
        if let Some(f) = env("OS_CLIENT_CONFIG_FILE") {
            return Some(PathBuf::from(f));
        }
    }
    config_dirs(env)
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn from_clouds_yaml(
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<CloudConfig, ConfigError> {
    let path = find_file("clouds.yaml", env).ok_or_else(|| {
        bad(
            "--os-cloud",
            name,
            "no clouds.yaml found (./clouds.yaml, ~/.config/openstack/clouds.yaml, \
             /etc/openstack/clouds.yaml or OS_CLIENT_CONFIG_FILE); write one or use the OS_* environment",
        )
    })?;
    let mut vars = cloud_vars(&read_yaml(&path, name)?, name).ok_or_else(|| {
        bad(
            "--os-cloud",
            name,
            format!("no cloud of that name in {}", path.display()),
        )
    })?;
    if let Some(secure) = find_file("secure.yaml", env) {
        if let Some(more) = cloud_vars(&read_yaml(&secure, name)?, name) {
            vars.extend(more);
        }
    }
    let origin = format!("cloud {name} of {}", path.display());
    from_vars(&|k| vars.get(k).cloned().filter(|v| !v.is_empty()), &origin)
}

fn read_yaml(path: &Path, cloud: &str) -> Result<Value, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        bad(
            "--os-cloud",
            cloud,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    serde_yaml_ng::from_str(&text).map_err(|e| {
        bad(
            "--os-cloud",
            cloud,
            format!("{} is not valid YAML: {e}", path.display()),
        )
    })
}

/// clouds.yaml keys as `OS_*` names (`auth:` keys and the cloud's own).
const KEYS: &[(&str, &str)] = &[
    ("auth_url", "OS_AUTH_URL"),
    ("username", "OS_USERNAME"),
    ("user_id", "OS_USER_ID"),
    ("password", "OS_PASSWORD"),
    ("project_name", "OS_PROJECT_NAME"),
    ("tenant_name", "OS_TENANT_NAME"),
    ("project_id", "OS_PROJECT_ID"),
    ("tenant_id", "OS_TENANT_ID"),
    ("user_domain_name", "OS_USER_DOMAIN_NAME"),
    ("user_domain_id", "OS_USER_DOMAIN_ID"),
    ("project_domain_name", "OS_PROJECT_DOMAIN_NAME"),
    ("project_domain_id", "OS_PROJECT_DOMAIN_ID"),
    ("domain_name", "OS_DOMAIN_NAME"),
    ("domain_id", "OS_DOMAIN_ID"),
    ("application_credential_id", "OS_APPLICATION_CREDENTIAL_ID"),
    (
        "application_credential_secret",
        "OS_APPLICATION_CREDENTIAL_SECRET",
    ),
    ("token", "OS_TOKEN"),
    ("region_name", "OS_REGION_NAME"),
    ("interface", "OS_INTERFACE"),
    ("cacert", "OS_CACERT"),
];

/// The `OS_*` variables of cloud `name` in a parsed clouds.yaml, if it has that cloud.
fn cloud_vars(doc: &Value, name: &str) -> Option<HashMap<String, String>> {
    let cloud = doc.get("clouds")?.get(name)?;
    let mut vars = HashMap::new();
    for map in [cloud.get("auth"), Some(cloud)].into_iter().flatten() {
        for (key, var) in KEYS {
            if let Some(v) = map.get(*key).and_then(scalar) {
                vars.entry((*var).to_owned()).or_insert(v);
            }
        }
    }
    if cloud.get("verify").and_then(Value::as_bool) == Some(false) {
        vars.insert("OS_INSECURE".into(), "true".into());
    }
    Some(vars)
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
