//! keystone and nova over HTTP(S): log in once (a token and the catalog),
//! then GET nova's JSON. A token that expired is renewed once per request; a
//! nova older than the microversion asked for is asked again without one.

mod auth;

use super::cloud::{CloudConfig, Secret};
use serde_json::Value;
use std::fmt;
use std::time::Duration;
use ureq::Agent;

/// The nova microversion asked for: instance action events with their host
/// (2.62), migrations with their UUID and type.
const MICROVERSION: &str = "2.62";

/// The most bytes of one response read.
const MAX_BODY: u64 = 8 * 1024 * 1024;

/// What went wrong talking to the cloud. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer (connection refused, DNS, TLS, time-out).
    Unreachable {
        /// The URL asked.
        url: String,
        /// Why.
        why: String,
    },
    /// An answer that is not a success.
    Status {
        /// The URL asked.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The service's message, if it gave one.
        message: String,
    },
    /// A success whose body is not what was expected.
    Unexpected {
        /// The URL asked.
        url: String,
        /// What is missing or wrong.
        why: String,
    },
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unreachable { url, why } => write!(f, "{url}: no answer ({why})"),
            ApiError::Status {
                url,
                status,
                message,
            } if message.is_empty() => {
                write!(f, "{url}: HTTP {status}")
            }
            ApiError::Status {
                url,
                status,
                message,
            } => write!(f, "{url}: HTTP {status}: {message}"),
            ApiError::Unexpected { url, why } => write!(f, "{url}: unexpected answer: {why}"),
        }
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A logged-in connection to nova.
pub struct Nova {
    agent: Agent,
    cloud: CloudConfig,
    token: Secret,
    compute: String,
    microversion: bool,
}

impl fmt::Debug for Nova {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Nova")
            .field("compute", &self.compute)
            .finish_non_exhaustive()
    }
}

impl Nova {
    /// Logs in to keystone and finds nova in the catalog.
    pub fn connect(cloud: CloudConfig) -> Result<Nova, ApiError> {
        let agent = auth::agent(&cloud)?;
        let (token, compute) = auth::login(&agent, &cloud)?;
        Ok(Nova {
            agent,
            cloud,
            token,
            compute,
            microversion: true,
        })
    }

    /// nova's URL from the catalog, e.g. `http://192.0.2.5:8774/v2.1`.
    pub fn compute_url(&self) -> &str {
        &self.compute
    }

    /// Where the login came from (for messages).
    pub fn origin(&self) -> &str {
        &self.cloud.origin
    }

    /// GETs `path` (below nova's URL) as JSON.
    pub fn get(&mut self, path: &str) -> Result<Value, ApiError> {
        let url = format!("{}{path}", self.compute);
        match self.get_once(&url) {
            Err(e) if e.status() == Some(401) => {
                let (token, compute) = auth::login(&self.agent, &self.cloud)?;
                (self.token, self.compute) = (token, compute);
                self.get_once(&url)
            }
            Err(e) if e.status() == Some(406) && self.microversion => {
                self.microversion = false;
                self.get_once(&url)
            }
            r => r,
        }
    }

    fn get_once(&self, url: &str) -> Result<Value, ApiError> {
        let mut req = self.agent.get(url).header("X-Auth-Token", &self.token.0);
        if self.microversion {
            req = req
                .header("OpenStack-API-Version", format!("compute {MICROVERSION}"))
                .header("X-OpenStack-Nova-API-Version", MICROVERSION);
        }
        let resp = req.call().map_err(|e| unreachable(url, &e))?;
        json_body(url, resp)
    }
}

fn unreachable(url: &str, e: &ureq::Error) -> ApiError {
    ApiError::Unreachable {
        url: url.to_owned(),
        why: e.to_string(),
    }
}

/// The body of a response as JSON, or the error it carries.
fn json_body(url: &str, mut resp: ureq::http::Response<ureq::Body>) -> Result<Value, ApiError> {
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_string()
        .map_err(|e| unreachable(url, &e))?;
    if !(200..300).contains(&status) {
        return Err(ApiError::Status {
            url: url.to_owned(),
            status,
            message: message_of(&text),
        });
    }
    serde_json::from_str(&text).map_err(|e| ApiError::Unexpected {
        url: url.to_owned(),
        why: format!("not JSON: {e}"),
    })
}

/// The message of an OpenStack error body (`{"itemNotFound": {"message": …}}`,
/// `{"error": {"message": …}}`), else the start of the text.
fn message_of(text: &str) -> String {
    let from_json = serde_json::from_str::<Value>(text).ok().and_then(|v| {
        let obj = v.as_object()?;
        obj.values()
            .find_map(|inner| inner.get("message")?.as_str().map(str::to_owned))
    });
    from_json.unwrap_or_else(|| text.chars().take(200).collect::<String>().trim().to_owned())
}

/// How long one request may take.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(20);

#[cfg(test)]
mod tests {
    use super::message_of;

    #[test]
    fn error_messages_come_from_the_body() {
        assert_eq!(
            message_of(
                r#"{"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}"#
            ),
            "Instance x could not be found."
        );
        assert_eq!(
            message_of(
                r#"{"error": {"code": 401, "message": "The request you have made requires authentication."}}"#
            ),
            "The request you have made requires authentication."
        );
        assert_eq!(
            message_of("<html>bad gateway</html>"),
            "<html>bad gateway</html>"
        );
    }
}
