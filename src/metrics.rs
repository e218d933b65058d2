//! Bench-only timing of the bridge's own work (`scripts/bench.sh`).
//!
//! Why: the spec's target "screen-pop work inside the bridge, from a Streams contact event to the CIF call
//! leaving it, p99 under 1 ms" cannot be read from outside the page, where Streams and postMessage hops dominate.
//! So the driver wraps each Streams contact callback and each pump (input handling + command draining, which
//! includes the synchronous calls the bridge makes into Streams and the CIF library) in a [`Span`].
//!
//! Off unless the page was opened with `window.__bridgeBench = {samples: Float64Array}` set before the bundle
//! ran (the bench does it with Playwright's `addInitScript`; the configuration system is not involved). When
//! off, a span is one thread-local read: nothing is allocated, nothing crosses into JS.
//!
//! When on, only outermost spans are recorded (a pump inside a contact callback is part of that callback; the
//! exceptions are [`Kind::StreamsRead`], Streams' getters inside them, and [`Kind::CifCallLeaving`], a mark as
//! each CIF call leaves), into
//! the bench's own preallocated `samples` array, so recording never grows the wasm memory or the JS heap being
//! measured: `samples[0]` = count, then `[start (ms since the epoch, performance.timeOrigin-based), duration
//! (ms), kind]` per span. The wasm memory is handed out once as `__bridgeBench.memory`.

use std::cell::{Cell, RefCell};

use js_sys::{Float64Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// What a span wraps (the third number of each sample).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Streams contact callback (first sighting or per-contact event), its pump included.
    Contact = 1,
    /// A pump started by anything else: CIF and Streams replies, Dynamics handlers, timers.
    Pump = 2,
    /// Inside one of the above: Streams' own getters reading a contact (`src/js/helpers.js`, contact part). Recorded although
    /// nested, so the bench can tell the bridge's own work from the time Streams takes to answer it.
    StreamsRead = 3,
    /// A CIF call about to leave the bridge: `[start of the outermost span it is made in, time until the call]`.
    /// This is the spec's per-event figure, "from a Streams contact event to the CIF call leaving it", without
    /// whatever other work shares the window between the CCP's snapshot and the CIF library's stamp.
    CifCallLeaving = 4,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Unknown,
    Off,
    On,
}

struct Recorder {
    performance: web_sys::Performance,
    origin: f64,
    samples: Float64Array,
    capacity: u32,
    count: u32,
}

thread_local! {
    static STATE: Cell<State> = const { Cell::new(State::Unknown) };
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    static RECORDER: RefCell<Option<Recorder>> = const { RefCell::new(None) };
    /// When the outermost span now open started (`performance.now()`), if metrics are on and one is open.
    static OUTER_START: Cell<Option<f64>> = const { Cell::new(None) };
}

/// Times the bridge's work until dropped; does nothing unless the bench switched metrics on.
#[derive(Debug)]
#[must_use = "a span measures until it is dropped"]
pub struct Span {
    start: Option<(f64, Kind)>,
    counted: bool,
}

/// Starts a span of `kind`.
pub fn span(kind: Kind) -> Span {
    let on = match STATE.with(Cell::get) {
        State::Off => false,
        State::On => true,
        State::Unknown => init(),
    };
    if !on {
        return Span {
            start: None,
            counted: false,
        };
    }
    if kind == Kind::StreamsRead {
        return Span {
            start: now().map(|t| (t, kind)),
            counted: false,
        };
    }
    let outer = DEPTH.with(|d| d.replace(d.get() + 1)) == 0;
    let start = if outer { now().map(|t| (t, kind)) } else { None };
    if let Some((t, _)) = start {
        OUTER_START.with(|o| o.set(Some(t)));
    }
    Span { start, counted: true }
}

/// Records that a CIF call is about to leave: the time since the outermost span began (see [`Kind::CifCallLeaving`]).
pub fn cif_call_leaving() {
    if STATE.with(Cell::get) != State::On {
        return;
    }
    let Some(start) = OUTER_START.with(Cell::get) else {
        return;
    };
    RECORDER.with(|r| {
        if let Some(rec) = r.borrow_mut().as_mut() {
            rec.record(start, Kind::CifCallLeaving);
        }
    });
}

impl Drop for Span {
    fn drop(&mut self) {
        if self.counted {
            DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
        }
        if let Some((start, kind)) = self.start {
            if kind != Kind::StreamsRead {
                OUTER_START.with(|o| o.set(None));
            }
            RECORDER.with(|r| {
                if let Some(rec) = r.borrow_mut().as_mut() {
                    rec.record(start, kind);
                }
            });
        }
    }
}

impl Recorder {
    fn record(&mut self, start: f64, kind: Kind) {
        let end = self.performance.now();
        let at = 1 + self.count * 3;
        if at + 3 > self.capacity {
            return;
        }
        self.samples.set_index(at, self.origin + start);
        self.samples.set_index(at + 1, end - start);
        self.samples.set_index(at + 2, f64::from(kind as u8));
        self.count += 1;
        self.samples.set_index(0, f64::from(self.count));
    }
}

fn now() -> Option<f64> {
    RECORDER.with(|r| r.borrow().as_ref().map(|rec| rec.performance.now()))
}

/// Reads `window.__bridgeBench` once; returns whether metrics are on.
fn init() -> bool {
    let recorder = web_sys::window().and_then(|window| {
        let bench = Reflect::get(&window, &JsValue::from_str("__bridgeBench")).ok()?;
        if !bench.is_object() {
            return None;
        }
        let samples = Reflect::get(&bench, &JsValue::from_str("samples"))
            .ok()?
            .dyn_into::<Float64Array>()
            .ok()?;
        // Best effort: the bench reads memory through it; its absence only loses that figure.
        let _ = Reflect::set(&bench, &JsValue::from_str("memory"), &wasm_bindgen::memory());
        let performance = window.performance()?;
        Some(Recorder {
            origin: performance.time_origin(),
            performance,
            capacity: samples.length(),
            samples,
            count: 0,
        })
    });
    let on = recorder.is_some();
    RECORDER.with(|r| *r.borrow_mut() = recorder);
    STATE.with(|s| s.set(if on { State::On } else { State::Off }));
    on
}
