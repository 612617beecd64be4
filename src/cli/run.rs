//! `migprobe run`'s own flag groups: what it prints and writes besides its
//! run directory, and the OpenStack server it may measure.

use super::StdoutArgs;
use clap::Args;
use std::path::PathBuf;

/// `run`'s stdout and extra tables: the summary (default), report.json
/// (`--json`) or nothing (`--quiet`), and `--csv DIR`.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct RunOutputArgs {
    /// No live status line, no event lines and nothing on stdout (the exit status and the
    /// files written still tell).
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Print report.json on stdout at the end, and nothing else there (the live line, the
    /// events and the files written go to stderr).
    #[arg(long, conflicts_with = "quiet")]
    pub(crate) json: bool,
    /// Also write outages.csv, migrations.csv and probes.csv into this directory (as
    /// `report --csv`).
    #[arg(long, value_name = "DIR")]
    pub(crate) csv: Option<PathBuf>,
}

impl RunOutputArgs {
    /// What goes to stdout.
    pub(crate) fn stdout(&self) -> StdoutArgs {
        StdoutArgs {
            json: self.json,
            quiet: self.quiet,
        }
    }
}

/// `run --openstack-server` and how to reach the cloud and its hypervisors.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct OpenstackArgs {
    /// Measure this OpenStack server (ID, or a name unique in the cloud): its addresses
    /// become the targets, its compute host and libvirt domain (admin only) --src-uri and
    /// --domain, unless given; nova's view (server state, instance actions and their
    /// events, the migration record) is recorded on the run's timeline. Logs in with the
    /// OS_* environment (an openrc file) or --os-cloud.
    #[arg(long, value_name = "ID|NAME")]
    pub(crate) openstack_server: Option<String>,
    /// The cloud of clouds.yaml to log in with (default: OS_CLOUD, else the OS_* environment).
    #[arg(long, value_name = "NAME", requires = "openstack_server")]
    pub(crate) os_cloud: Option<String>,
    /// A compute host's libvirt URI, {host} being nova's name of the host.
    #[arg(
        long,
        default_value = "qemu+ssh://{host}/system",
        value_name = "TEMPLATE"
    )]
    pub(crate) libvirt_uri_template: String,
    /// The destination compute host, for --dst-uri (default: the only other enabled
    /// nova-compute host that is up).
    #[arg(long, value_name = "HOST", requires = "openstack_server")]
    pub(crate) openstack_dst_host: Option<String>,
    /// Also record nova's versioned notifications of the server (instance.live_migration_*,
    /// with nova's microsecond timestamps) from the message bus: nova's transport_url, e.g.
    /// rabbit://USER:PASSWORD@HOST:5672/ (needs nova's notification_format = versioned or
    /// both, and a notifications driver; the password is never printed).
    #[arg(long, value_name = "URL", requires = "openstack_server")]
    pub(crate) openstack_notifications: Option<String>,
    /// How often to ask nova for the server, its actions and its migration records.
    #[arg(long, default_value = "1s", value_name = "DURATION")]
    pub(crate) openstack_poll: String,
}
