//! `run --openstack-server`: before anything is opened, log in, resolve the
//! server to the flags it stands for (targets, --domain, --src-uri,
//! --dst-uri: each only where not given), and during the run let nova's
//! watcher put nova's view on the timeline.
//!
//! Every refusal names the flag and the fix (exit 2); nothing of the login's
//! secrets is printed.

use crate::cli::{OpenstackArgs, RunArgs};
use anyhow::{Context, Result};
use migprobe_probe::record::EventLine;
use migprobe_probe::values::{bad, validate_duration};
use migprobe_sources::openstack::amqp::{self, BusUrl};
use migprobe_sources::openstack::resolve::{other_compute_hosts, ResolveError};
use migprobe_sources::openstack::{cloud, resolve_server, BusWatch, Nova, NovaWatch, Resolved};
use std::sync::mpsc::Sender;
use std::time::Duration;

/// nova, logged in, and the server to watch; the bus to listen to, if given.
pub(super) struct NovaSource {
    nova: Nova,
    id: String,
    poll: Duration,
    bus: Option<BusUrl>,
}

impl NovaSource {
    /// Starts watching; events go to `tx`.
    pub(super) fn start(self, tx: &Sender<EventLine>) -> Watching {
        let bus = self
            .bus
            .map(|b| BusWatch::start(b, self.id.clone(), tx.clone()));
        Watching(
            NovaWatch::start(self.nova, self.id, self.poll, tx.clone()),
            bus,
        )
    }
}

/// nova's watcher and the bus listener, running.
pub(super) struct Watching(NovaWatch, Option<BusWatch>);

impl Watching {
    /// Stops both (nova is polled once more).
    pub(super) fn stop(self) {
        if let Some(b) = self.1 {
            b.stop();
        }
        self.0.stop();
    }
}

/// The run's flags with the server's values filled in, and nova to watch;
/// `None` without `--openstack-server`.
pub(super) fn prepare(a: &RunArgs) -> Result<Option<(RunArgs, NovaSource)>> {
    let o = &a.openstack;
    let Some(server) = o.openstack_server.as_deref() else {
        return Ok(None);
    };
    let poll = validate_duration(
        "--openstack-poll",
        &o.openstack_poll,
        Duration::from_millis(100),
        Duration::from_secs(600),
    )?;
    check_template(&o.libvirt_uri_template)?;
    let bus = o
        .openstack_notifications
        .as_deref()
        .map(|u| amqp::parse_url("--openstack-notifications", u))
        .transpose()?;
    let cloud = cloud::load(o.os_cloud.as_deref(), &|k| std::env::var(k).ok())?;
    let origin = cloud.origin.clone();
    let mut nova = Nova::connect(cloud)
        .map_err(|e| login_error(&e, &origin))
        .with_context(|| format!("logging in to OpenStack with {origin}"))?;
    let r = resolve_server(&mut nova, server).map_err(|e| match e {
        ResolveError::NotFound(why) => bad("--openstack-server", server, why).into(),
        ResolveError::Api(e) => {
            anyhow::Error::new(e).context(format!("asking nova for server {server}"))
        }
    })?;
    let mut args = a.clone();
    fill_targets(&mut args, &r, server)?;
    #[cfg(feature = "libvirt")]
    fill_libvirt(&mut args, &r, &mut nova)?;
    crate::say!(
        "migprobe: OpenStack server {} ({}) on {}, {}; nova at {}",
        r.name,
        r.id,
        r.host.as_deref().unwrap_or("a host nova does not show"),
        r.status,
        nova.compute_url()
    );
    Ok(Some((
        args,
        NovaSource {
            nova,
            id: r.id,
            poll,
            bus,
        },
    )))
}

fn check_template(t: &str) -> Result<()> {
    if t.contains("{host}") {
        return Ok(());
    }
    let why =
        "must contain {host} (nova's name of the compute host), e.g. qemu+ssh://{host}/system";
    Err(bad("--libvirt-uri-template", t, why).into())
}

/// keystone's refusal as the variables to check; anything else as it is.
fn login_error(e: &migprobe_sources::openstack::ApiError, origin: &str) -> anyhow::Error {
    if e.status() == Some(401) {
        let why = format!(
            "keystone refused the login ({e}); check the user, password, project and domains of {origin}"
        );
        return bad("OS_PASSWORD", "", why).into();
    }
    anyhow::Error::new(e.clone())
}

/// The server's addresses as targets, unless `-t` was given.
fn fill_targets(args: &mut RunArgs, r: &Resolved, server: &str) -> Result<()> {
    if !args.targets.is_empty() {
        return Ok(());
    }
    if r.addresses.is_empty() {
        let why = "nova lists no address for this server; give the address to probe with -t ADDR";
        return Err(bad("--openstack-server", server, why).into());
    }
    args.targets = r.addresses.iter().map(ToString::to_string).collect();
    Ok(())
}

/// `--domain`, `--src-uri` and `--dst-uri` from the server, unless given.
#[cfg(feature = "libvirt")]
fn fill_libvirt(args: &mut RunArgs, r: &Resolved, nova: &mut Nova) -> Result<()> {
    let server = args.openstack.openstack_server.clone().unwrap_or_default();
    let admin_only = |field: &str, flag: &str| {
        let why = format!(
            "nova does not show this user the server's {field} (admin only): log in as an admin or give {flag}"
        );
        bad("--openstack-server", &server, why)
    };
    let l = &mut args.libvirt;
    if l.domains.len() > 1 {
        let why = "--openstack-server measures one server; give one --domain or none";
        return Err(bad("--domain", &l.domains.join(","), why).into());
    }
    if l.domains.is_empty() {
        let name = r
            .instance_name
            .clone()
            .ok_or_else(|| admin_only("instance_name", "--domain"))?;
        l.domains.push(name);
    }
    let host = r.host.clone();
    if l.src_uri.is_none() {
        let host = host
            .clone()
            .ok_or_else(|| admin_only("host", "--src-uri"))?;
        l.src_uri = Some(uri(&args.openstack.libvirt_uri_template, &host));
    }
    if args.libvirt.dst_uri.is_none() {
        let dst = destination(&args.openstack, host.as_deref(), nova)?;
        args.libvirt.dst_uri = Some(uri(&args.openstack.libvirt_uri_template, &dst));
    }
    Ok(())
}

#[cfg(feature = "libvirt")]
fn uri(template: &str, host: &str) -> String {
    template.replace("{host}", host)
}

/// `--openstack-dst-host`, else the only other compute host nova has up.
#[cfg(feature = "libvirt")]
fn destination(o: &OpenstackArgs, src: Option<&str>, nova: &mut Nova) -> Result<String> {
    if let Some(h) = &o.openstack_dst_host {
        return Ok(h.clone());
    }
    let hosts = other_compute_hosts(nova, src.unwrap_or_default())
        .context("asking nova for its compute hosts (os-services)")?;
    match hosts.as_slice() {
        [one] => Ok(one.clone()),
        _ => {
            let why = format!(
                "nova has {} other compute hosts enabled and up ({}); name the migration's destination",
                hosts.len(),
                hosts.join(", ")
            );
            Err(bad("--openstack-dst-host", "", why).into())
        }
    }
}
