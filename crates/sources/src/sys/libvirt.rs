//! The libvirt FFI the `virt` crate does not wrap: domain event and QEMU
//! monitor event registration, the connection close callback, and raw job
//! statistics as libvirt names them. Callbacks only copy data into a channel.

use migprobe_probe::sys::realtime_now;
use migprobe_probe::types::RealNs;
use serde_json::Value;
use std::ffi::{c_char, c_int, c_longlong, c_uint, c_void, CStr};
use std::sync::mpsc::Sender;
use std::sync::{Mutex, Once};
use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

/// What one libvirt callback reported.
#[derive(Debug, Clone, PartialEq)]
pub enum RawEvent {
    /// Lifecycle event with the C API's codes.
    Lifecycle {
        /// `virDomainEventType`.
        event: i32,
        /// Per-type detail code.
        detail: i32,
    },
    /// A RAM pre-copy iteration began.
    MigrationIteration {
        /// Iteration number.
        iteration: i32,
    },
    /// A job completed; every typed statistic by its libvirt name.
    JobCompleted {
        /// The statistics.
        params: Vec<(String, Value)>,
    },
    /// A block job changed state.
    BlockJob {
        /// Disk target (block-job-2) or path (block-job).
        disk: String,
        /// `virDomainBlockJobType`.
        job_type: i32,
        /// `virConnectDomainEventBlockJobStatus`.
        status: i32,
        /// True for block-job-2.
        v2: bool,
    },
    /// A QEMU monitor event with QEMU's own timestamp.
    Qemu {
        /// Event name (STOP, RESUME, MIGRATION, ...).
        name: String,
        /// QEMU timestamp, seconds.
        seconds: i64,
        /// QEMU timestamp, microseconds.
        micros: u32,
        /// The event's JSON details, if any.
        details: Option<String>,
    },
    /// The connection closed (`virConnectCloseReason`).
    Closed {
        /// Reason code.
        reason: i32,
    },
}

/// A callback's report with its arrival time and domain.
#[derive(Debug, Clone)]
pub struct Raw {
    /// Local realtime when the callback ran.
    pub at: RealNs,
    /// Which registration (connection) it came from.
    pub tag: u64,
    /// Domain name ("" for connection events).
    pub domain: String,
    /// Domain UUID ("" for connection events).
    pub uuid: String,
    /// What happened.
    pub event: RawEvent,
}

struct Ctx {
    tx: Mutex<Sender<Raw>>,
    tag: u64,
}

static EVENT_LOOP: Once = Once::new();

/// Registers libvirt's default event loop (once, before any connection is
/// opened) and runs it in a background thread for the life of the process.
pub fn start_event_loop() -> Result<(), String> {
    let mut result = Ok(());
    EVENT_LOOP.call_once(|| {
        // Errors are returned to us; libvirt must not also print them on stderr.
        virt::error::clear_error_callback();
        start_loop(&mut result)
    });
    result
}

fn start_loop(result: &mut Result<(), String>) {
    match virt::event::event_register_default_impl() {
        Ok(()) => {
            std::thread::Builder::new()
                .name("libvirt-events".into())
                .spawn(|| loop {
                    if virt::event::event_run_default_impl().is_err() {
                        std::thread::sleep(std::time::Duration::from_millis(10));
                    }
                })
                .map(|_| ())
                .unwrap_or_else(|e| *result = Err(e.to_string()));
        }
        Err(e) => *result = Err(e.message().to_owned()),
    }
}

/// Reads a C string; empty for null.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string alive for the call.
unsafe fn text(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Sends one report from inside a callback.
///
/// # Safety
/// `opaque` is the `Ctx` registered with the callback (alive until its free callback);
/// `dom` is null or a domain valid for the duration of the callback.
unsafe fn emit(dom: sys::virDomainPtr, opaque: *mut c_void, event: RawEvent) {
    let at = realtime_now();
    let ctx = &*(opaque as *const Ctx);
    let (domain, uuid) = if dom.is_null() {
        (String::new(), String::new())
    } else {
        let mut buf = [0 as c_char; sys::VIR_UUID_STRING_BUFLEN as usize];
        let uuid = if sys::virDomainGetUUIDString(dom, buf.as_mut_ptr()) == 0 {
            text(buf.as_ptr())
        } else {
            String::new()
        };
        (text(sys::virDomainGetName(dom)), uuid)
    };
    if let Ok(tx) = ctx.tx.lock() {
        let _ = tx.send(Raw {
            at,
            tag: ctx.tag,
            domain,
            uuid,
            event,
        });
    }
}

unsafe extern "C" fn on_lifecycle(
    _c: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    event: c_int,
    detail: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: libvirt passes back the opaque we registered and a live domain.
    emit(dom, opaque, RawEvent::Lifecycle { event, detail });
}

unsafe extern "C" fn on_iteration(
    _c: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    iteration: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: as in on_lifecycle.
    emit(dom, opaque, RawEvent::MigrationIteration { iteration });
}

unsafe extern "C" fn on_job_completed(
    _c: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    params: sys::virTypedParameterPtr,
    nparams: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: libvirt passes `nparams` valid parameters for the duration of the callback.
    let params = typed_params(params, nparams);
    emit(dom, opaque, RawEvent::JobCompleted { params });
}

unsafe extern "C" fn on_block_job(
    _c: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    disk: *const c_char,
    job_type: c_int,
    status: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: as in on_lifecycle; `disk` is a NUL-terminated string alive for the callback.
    block_job(dom, disk, job_type, status, opaque, false);
}

unsafe extern "C" fn on_block_job_2(
    _c: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    disk: *const c_char,
    job_type: c_int,
    status: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: as in on_block_job.
    block_job(dom, disk, job_type, status, opaque, true);
}

/// # Safety
/// As [`emit`]; `disk` is null or a NUL-terminated string alive for the call.
unsafe fn block_job(
    dom: sys::virDomainPtr,
    disk: *const c_char,
    job_type: c_int,
    status: c_int,
    opaque: *mut c_void,
    v2: bool,
) {
    let disk = text(disk);
    emit(
        dom,
        opaque,
        RawEvent::BlockJob {
            disk,
            job_type,
            status,
            v2,
        },
    );
}

unsafe extern "C" fn on_qemu(
    _c: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    event: *const c_char,
    seconds: c_longlong,
    micros: c_uint,
    details: *const c_char,
    opaque: *mut c_void,
) {
    // SAFETY: strings are NUL-terminated (details may be null) and live for the callback.
    let name = text(event);
    let details = (!details.is_null()).then(|| text(details));
    emit(
        dom,
        opaque,
        RawEvent::Qemu {
            name,
            seconds,
            micros,
            details,
        },
    );
}

unsafe extern "C" fn on_close(_c: sys::virConnectPtr, reason: c_int, opaque: *mut c_void) {
    // SAFETY: as in on_lifecycle; there is no domain.
    emit(std::ptr::null_mut(), opaque, RawEvent::Closed { reason });
}

unsafe extern "C" fn free_ctx(opaque: *mut c_void) {
    // SAFETY: `opaque` came from Box::into_raw in `ctx()` and libvirt frees it exactly once.
    drop(Box::from_raw(opaque as *mut Ctx));
}

/// Converts typed parameters to (name, JSON value) pairs.
///
/// # Safety
/// `p` points to `n` initialised parameters (or is null with n = 0).
unsafe fn typed_params(p: sys::virTypedParameterPtr, n: c_int) -> Vec<(String, Value)> {
    if p.is_null() || n <= 0 {
        return Vec::new();
    }
    std::slice::from_raw_parts(p, n as usize)
        .iter()
        .map(|t| {
            let name = text(t.field.as_ptr());
            let v = match t.type_ as u32 {
                sys::VIR_TYPED_PARAM_INT => Value::from(t.value.i),
                sys::VIR_TYPED_PARAM_UINT => Value::from(t.value.ui),
                sys::VIR_TYPED_PARAM_LLONG => Value::from(t.value.l),
                sys::VIR_TYPED_PARAM_ULLONG => Value::from(t.value.ul),
                sys::VIR_TYPED_PARAM_DOUBLE => Value::from(t.value.d),
                sys::VIR_TYPED_PARAM_BOOLEAN => Value::from(t.value.b != 0),
                sys::VIR_TYPED_PARAM_STRING => Value::from(text(t.value.s)),
                _ => Value::Null,
            };
            (name, v)
        })
        .collect()
}

/// The callbacks registered on one connection; dropped = deregistered.
#[derive(Debug)]
pub struct Registration {
    conn: Connect,
    ids: Vec<c_int>,
    qemu_ids: Vec<c_int>,
}

fn ctx(tx: &Sender<Raw>, tag: u64) -> *mut c_void {
    Box::into_raw(Box::new(Ctx {
        tx: Mutex::new(tx.clone()),
        tag,
    })) as *mut c_void
}

/// A generic callback, as libvirt's VIR_DOMAIN_EVENT_CALLBACK() casts it.
type Generic = unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, *mut c_void);

impl Registration {
    /// Registers domain events (all domains: the destination's domain does not
    /// exist yet), QEMU monitor events and the close callback on `conn`.
    pub fn register(conn: &Connect, tx: &Sender<Raw>, tag: u64) -> Result<Registration, String> {
        let mut reg = Registration {
            conn: conn.clone(),
            ids: Vec::new(),
            qemu_ids: Vec::new(),
        };
        // SAFETY: each transmute changes only the callback's declared signature to the generic
        // one libvirt's API takes; libvirt calls it back with the signature of its event ID.
        let callbacks: [(u32, Generic); 5] = unsafe {
            [
                (
                    sys::VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                    std::mem::transmute::<*const (), Generic>(on_lifecycle as *const ()),
                ),
                (
                    sys::VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
                    std::mem::transmute::<*const (), Generic>(on_iteration as *const ()),
                ),
                (
                    sys::VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                    std::mem::transmute::<*const (), Generic>(on_job_completed as *const ()),
                ),
                (
                    sys::VIR_DOMAIN_EVENT_ID_BLOCK_JOB,
                    std::mem::transmute::<*const (), Generic>(on_block_job as *const ()),
                ),
                (
                    sys::VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                    std::mem::transmute::<*const (), Generic>(on_block_job_2 as *const ()),
                ),
            ]
        };
        for (id, cb) in callbacks {
            let opaque = ctx(tx, tag);
            // SAFETY: the connection is open; `opaque` is owned by libvirt from here (freed by free_ctx).
            let rc = unsafe {
                sys::virConnectDomainEventRegisterAny(
                    conn.as_ptr(),
                    std::ptr::null_mut(),
                    id as c_int,
                    Some(cb),
                    opaque,
                    Some(free_ctx),
                )
            };
            // SAFETY: `opaque` is the context just passed to this registration.
            reg.ids
                .push(unsafe { registered(rc, opaque, &format!("domain event {id}")) }?);
        }
        let opaque = ctx(tx, tag);
        // SAFETY: as above; a null event name subscribes to every QEMU monitor event.
        let rc = unsafe {
            sys::virConnectDomainQemuMonitorEventRegister(
                conn.as_ptr(),
                std::ptr::null_mut(),
                std::ptr::null(),
                Some(on_qemu),
                opaque,
                Some(free_ctx),
                0,
            )
        };
        // SAFETY: as above.
        reg.qemu_ids
            .push(unsafe { registered(rc, opaque, "QEMU monitor events") }?);
        let opaque = ctx(tx, tag);
        // SAFETY: as above.
        let rc = unsafe {
            sys::virConnectRegisterCloseCallback(
                conn.as_ptr(),
                Some(on_close),
                opaque,
                Some(free_ctx),
            )
        };
        // SAFETY: as above. Without a close callback a lost connection is noticed by keepalive.
        let _ = unsafe { registered(rc, opaque, "the close callback") };
        Ok(reg)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: the ids were returned by the matching register calls on this connection;
        // failures (e.g. a dead connection) are harmless.
        unsafe {
            for id in self.ids.drain(..) {
                sys::virConnectDomainEventDeregisterAny(self.conn.as_ptr(), id);
            }
            for id in self.qemu_ids.drain(..) {
                sys::virConnectDomainQemuMonitorEventDeregister(self.conn.as_ptr(), id);
            }
            sys::virConnectUnregisterCloseCallback(self.conn.as_ptr(), Some(on_close));
        }
    }
}

/// The id of a successful registration; on failure frees the context libvirt did not take.
///
/// # Safety
/// `opaque` is the context passed to the registration that returned `rc`, not used elsewhere.
unsafe fn registered(rc: c_int, opaque: *mut c_void, what: &str) -> Result<c_int, String> {
    if rc < 0 {
        free_ctx(opaque);
        Err(format!("cannot register {what}: {}", last_error()))
    } else {
        Ok(rc)
    }
}

fn last_error() -> String {
    virt::error::Error::last_error().message().to_owned()
}

/// A domain's job statistics by libvirt's parameter names, with the job type
/// (0 = no job). `flags`: 0 for the live job, or COMPLETED | KEEP_COMPLETED.
pub fn job_stats(dom: &Domain, flags: u32) -> Result<(i32, Vec<(String, Value)>), String> {
    let (mut ty, mut params, mut n): (c_int, sys::virTypedParameterPtr, c_int) =
        (0, std::ptr::null_mut(), 0);
    // SAFETY: out-pointers are valid; libvirt allocates `params`, freed below.
    let rc =
        unsafe { sys::virDomainGetJobStats(dom.as_ptr(), &mut ty, &mut params, &mut n, flags) };
    if rc < 0 {
        return Err(last_error());
    }
    // SAFETY: libvirt returned `n` parameters at `params`; freed once here.
    let v = unsafe {
        let v = typed_params(params, n);
        sys::virTypedParamsFree(params, n);
        v
    };
    Ok((ty, v))
}

/// `VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED`.
pub const COMPLETED_KEEP: u32 =
    sys::VIR_DOMAIN_JOB_STATS_COMPLETED | sys::VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED;
