//! Listening to both hypervisors during `migprobe run`: the only part of the
//! run that depends on the `libvirt` feature. Without it there is nothing to
//! listen to: no URIs for the placeholders, no events.

pub(super) use imp::Listen;

#[cfg(feature = "libvirt")]
mod imp {
    use crate::cli::RunArgs;
    use crate::config;
    use crate::session::Endpoints;
    use anyhow::Result;
    use migprobe_probe::record::EventLine;
    use migprobe_sources::events::capture::{Capture, CaptureConfig};
    use std::sync::mpsc::Sender;

    /// Where to listen: validated, not started.
    #[derive(Debug)]
    pub(crate) struct Listen {
        capture: Option<CaptureConfig>,
        endpoints: Endpoints,
    }

    impl Listen {
        /// From `--src-uri`, `--dst-uri`, `--domain`, `--poll`.
        pub(crate) fn from_args(a: &RunArgs) -> Result<Listen> {
            let l = &a.libvirt;
            Ok(Listen {
                capture: config::capture_config(l, false)?,
                endpoints: Endpoints::new(
                    l.src_uri.clone().unwrap_or_default(),
                    l.dst_uri.clone().unwrap_or_default(),
                ),
            })
        }

        /// The URIs and hosts for the trigger's placeholders.
        pub(crate) fn endpoints(&self) -> &Endpoints {
            &self.endpoints
        }

        /// Starts listening (when configured); events go to `tx`.
        pub(crate) fn start(self, tx: Sender<EventLine>) -> Result<Listener> {
            let capture = self.capture.map(|c| Capture::start(c, tx)).transpose()?;
            Ok(Listener(capture))
        }
    }

    /// The running capture, if any.
    pub(crate) struct Listener(Option<Capture>);

    impl Listener {
        /// True when hypervisor events are captured.
        pub(crate) fn is_listening(&self) -> bool {
            self.0.is_some()
        }

        /// Stops listening.
        pub(crate) fn stop(self) {
            if let Some(c) = self.0 {
                c.stop();
            }
        }
    }
}

#[cfg(not(feature = "libvirt"))]
mod imp {
    use crate::cli::RunArgs;
    use crate::session::Endpoints;
    use anyhow::Result;
    use migprobe_probe::record::EventLine;
    use std::sync::mpsc::Sender;

    /// Nowhere to listen: built without libvirt.
    #[derive(Debug)]
    pub(crate) struct Listen {
        endpoints: Endpoints,
    }

    impl Listen {
        /// No libvirt flags without the feature.
        pub(crate) fn from_args(_: &RunArgs) -> Result<Listen> {
            Ok(Listen {
                endpoints: Endpoints::new(String::new(), String::new()),
            })
        }

        /// No URIs: the placeholders become empty, the hosts `src` and `dst`.
        pub(crate) fn endpoints(&self) -> &Endpoints {
            &self.endpoints
        }

        /// Nothing to start.
        pub(crate) fn start(self, _: Sender<EventLine>) -> Result<Listener> {
            Ok(Listener)
        }
    }

    /// Listens to nothing.
    pub(crate) struct Listener;

    impl Listener {
        /// Never.
        pub(crate) fn is_listening(&self) -> bool {
            false
        }

        /// Nothing to stop.
        pub(crate) fn stop(self) {}
    }
}
