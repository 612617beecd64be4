//! A server ID or name to what `run` needs: its addresses (the targets), the
//! compute host it runs on and its libvirt domain (`OS-EXT-SRV-ATTR:host`,
//! `OS-EXT-SRV-ATTR:instance_name`, shown to admins), and the compute hosts a
//! migration may go to.

use super::api::{ApiError, Nova};
use serde_json::Value;
use std::fmt;
use std::net::IpAddr;

/// The server as nova sees it at the start of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Its UUID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Every address nova knows for it, fixed ones first, in nova's order.
    pub addresses: Vec<IpAddr>,
    /// The compute host it runs on (admin only).
    pub host: Option<String>,
    /// Its libvirt domain name (admin only).
    pub instance_name: Option<String>,
    /// `ACTIVE`, `SHUTOFF`, `MIGRATING`, ...
    pub status: String,
}

/// Why a server could not be resolved.
#[derive(Debug)]
pub enum ResolveError {
    /// The API failed.
    Api(ApiError),
    /// No server, or several, for what was given; the text says which and what to do.
    NotFound(String),
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Api(e) => e.fmt(f),
            ResolveError::NotFound(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ResolveError {}

impl From<ApiError> for ResolveError {
    fn from(e: ApiError) -> Self {
        ResolveError::Api(e)
    }
}

/// True for a UUID as nova writes them.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Percent-encodes a query value (everything but the unreserved characters).
fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Regex-escapes a name for nova's `name` filter (a regular expression).
fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = "\\^$.|?*+()[]{}".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

/// The server `server` (a UUID or a unique name, searched in every project).
pub fn resolve_server(nova: &mut Nova, server: &str) -> Result<Resolved, ResolveError> {
    let id = if is_uuid(server) {
        server.to_owned()
    } else {
        let q = query_escape(&format!("^{}$", regex_escape(server)));
        let list = nova.get(&format!("/servers/detail?all_tenants=1&name={q}"))?;
        let one = one_server(&list, server)?;
        one.get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    // The server itself, also after a search: a list may leave fields out.
    let body = match nova.get(&format!("/servers/{id}")) {
        Err(e) if e.status() == Some(404) => {
            return Err(ResolveError::NotFound(format!(
                "nova has no server with ID {id}"
            )))
        }
        r => r?,
    };
    parse_server(body.get("server").unwrap_or(&body)).ok_or_else(|| {
        ResolveError::NotFound(format!("nova's answer for {server} has no server ID"))
    })
}

fn one_server(list: &Value, name: &str) -> Result<Value, ResolveError> {
    let servers = list
        .get("servers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match servers.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(ResolveError::NotFound(format!(
            "nova has no server named {name} visible to this user; give its ID"
        ))),
        many => {
            let ids: Vec<_> = many.iter().filter_map(|s| s.get("id")?.as_str()).collect();
            Err(ResolveError::NotFound(format!(
                "{} servers are named {name} ({}); give the ID of one",
                many.len(),
                ids.join(", ")
            )))
        }
    }
}

/// A server object of nova's API.
pub(crate) fn parse_server(s: &Value) -> Option<Resolved> {
    let text = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(Resolved {
        id: text("id")?,
        name: text("name").unwrap_or_default(),
        addresses: addresses(s.get("addresses")),
        host: text("OS-EXT-SRV-ATTR:host"),
        instance_name: text("OS-EXT-SRV-ATTR:instance_name"),
        status: text("status").unwrap_or_default(),
    })
}

/// `addresses: {net: [{addr, version, OS-EXT-IPS:type}]}`: fixed first, then floating.
fn addresses(v: Option<&Value>) -> Vec<IpAddr> {
    let mut fixed = Vec::new();
    let mut floating = Vec::new();
    for a in v
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(Value::as_array)
        .flatten()
    {
        let Some(ip) = a
            .get("addr")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<IpAddr>().ok())
        else {
            continue;
        };
        let list = if a.get("OS-EXT-IPS:type").and_then(Value::as_str) == Some("floating") {
            &mut floating
        } else {
            &mut fixed
        };
        if !list.contains(&ip) {
            list.push(ip);
        }
    }
    fixed.extend(floating);
    fixed
}

/// The enabled nova-compute hosts that are up, other than `host`.
pub fn other_compute_hosts(nova: &mut Nova, host: &str) -> Result<Vec<String>, ApiError> {
    let body = nova.get("/os-services?binary=nova-compute")?;
    Ok(compute_hosts(&body, host))
}

pub(crate) fn compute_hosts(body: &Value, except: &str) -> Vec<String> {
    let services = body
        .get("services")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut hosts: Vec<String> = services
        .iter()
        .filter(|s| s.get("status").and_then(Value::as_str) == Some("enabled"))
        .filter(|s| s.get("state").and_then(Value::as_str) == Some("up"))
        .filter_map(|s| s.get("host")?.as_str().map(str::to_owned))
        .filter(|h| h != except)
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

#[cfg(test)]
mod tests;
