//! The sampling profiler's interpreter side: a clock thread that raises the
//! `SAMPLE` attention bit every interval, and the recording of the call stack,
//! lines and tier where the interpreter next notices it (`tier::samples`).
//!
//! The clock counts the intervals that passed (several when it woke late); a sample
//! is weighted by the intervals counted since the last one, so time spent where the interpreter cannot look (an intrinsic such as `wait`, a
//! native function, a native loop between pauses) is still counted, and attributed
//! by the caller that knows where it was: `sample_intrinsic` after an intrinsic
//! returns, `sample_native` after native code ran.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::attention::{Attention, SAMPLE};
use super::Vm;
use crate::intrinsics::Intrinsic;
use crate::tac::Proto;
use crate::tier::samples::{FrameKey, FuncInfo, Samples, Tier};

/// What the clock thread shares with the interpreter.
#[derive(Debug, Default)]
struct Clock {
    ticks: AtomicU64,
    stop: AtomicBool,
}

/// The samples of one `Vm` and its clock thread.
pub(crate) struct Sampler {
    clock: Arc<Clock>,
    thread: Option<JoinHandle<()>>,
    samples: Samples,
    /// Functions seen, by proto or intrinsic address (the `Rc`s keep the addresses
    /// from being reused while the key is in the table).
    index: HashMap<usize, u32>,
    keep: Vec<Keep>,
}

#[allow(dead_code)] // held only to keep addresses alive
enum Keep {
    Proto(Rc<Proto>),
    Intrinsic(Rc<Intrinsic>),
}

impl Sampler {
    fn start(attention: Arc<Attention>, interval: Duration) -> Sampler {
        let clock = Arc::new(Clock::default());
        let c = clock.clone();
        let interval = interval.max(Duration::from_micros(10));
        let thread = std::thread::Builder::new()
            .name("miniscript-profile".into())
            .spawn(move || {
                // A late wake-up (a busy machine) counts every interval that passed.
                let every = interval.as_nanos().max(1);
                let mut last = Instant::now();
                let mut carry = 0u128;
                while !c.stop.load(Ordering::Relaxed) {
                    std::thread::park_timeout(interval);
                    if c.stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let now = Instant::now();
                    let ns = carry + now.duration_since(last).as_nanos();
                    last = now;
                    carry = ns % every;
                    let n = (ns / every).min(u64::MAX as u128) as u64;
                    if n > 0 {
                        c.ticks.fetch_add(n, Ordering::Relaxed);
                        attention.raise(SAMPLE);
                    }
                }
            })
            .ok();
        Sampler {
            clock,
            thread,
            samples: Samples {
                interval_ns: interval.as_nanos().min(u64::MAX as u128) as u64,
                ..Default::default()
            },
            index: HashMap::new(),
            keep: Vec::new(),
        }
    }

    fn stop_clock(&mut self) {
        self.clock.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop_clock();
    }
}

impl Vm {
    /// Start sampling the program every `interval` (replacing samples taken so far).
    pub fn start_sampling(&mut self, interval: Duration) {
        self.sampler = Some(Box::new(Sampler::start(self.attention.clone(), interval)));
    }

    /// Stop the clock (samples taken so far stay readable).
    pub fn stop_sampling(&mut self) {
        if let Some(s) = self.sampler.as_mut() {
            s.stop_clock();
        }
    }

    /// Whether samples are being taken.
    pub fn is_sampling(&self) -> bool {
        self.sampler.as_ref().is_some_and(|s| s.thread.is_some())
    }

    /// The samples taken so far (`None`: sampling was never started).
    pub fn samples(&self) -> Option<&Samples> {
        self.sampler.as_ref().map(|s| &s.samples)
    }

    /// Handle a `SAMPLE` request at an interpreter check point (called from
    /// `on_attention`): the stack as it is, interpreted.
    pub(crate) fn on_sample(&mut self) {
        self.attention.clear(SAMPLE);
        self.record_sample(Tier::Interpreted, None);
    }

    /// After native code ran for the top frame: a pending sample is its time.
    #[cold]
    #[inline(never)]
    pub(crate) fn sample_after_native(&mut self, tier: Tier) {
        if self.attention.pending() & SAMPLE != 0 {
            self.attention.clear(SAMPLE);
            self.record_sample(tier, None);
        }
    }

    /// After intrinsic `intr` returned: a pending sample is its time.
    #[cold]
    #[inline(never)]
    pub(crate) fn sample_intrinsic(&mut self, intr: &Rc<Intrinsic>) {
        if self.attention.pending() & SAMPLE != 0 {
            self.attention.clear(SAMPLE);
            self.record_sample(Tier::Intrinsic, Some(intr));
        }
    }

    fn record_sample(&mut self, tier: Tier, leaf: Option<&Rc<Intrinsic>>) {
        let Some(mut s) = self.sampler.take() else {
            return;
        };
        let ticks = s.clock.ticks.swap(0, Ordering::Relaxed);
        if ticks > 0 {
            let mut frames = Vec::with_capacity(self.depth + 1);
            for i in 0..self.depth {
                let fr = &self.frames[i];
                let line = fr
                    .proto
                    .lines
                    .get(fr.pc)
                    .or(fr.proto.lines.last())
                    .copied()
                    .unwrap_or(0);
                let proto = fr.proto.clone();
                let func = self.func_key(&mut s, proto, i == 0);
                frames.push(FrameKey { func, line });
            }
            if let Some(intr) = leaf {
                let key = Rc::as_ptr(intr) as *const u8 as usize;
                let func = match s.index.get(&key) {
                    Some(&k) => k,
                    None => {
                        let k = s.samples.funcs.len() as u32;
                        s.samples.funcs.push(FuncInfo {
                            name: Rc::from(intr.name.as_ref()),
                            file: None,
                            line: 0,
                            intrinsic: true,
                        });
                        s.keep.push(Keep::Intrinsic(intr.clone()));
                        s.index.insert(key, k);
                        k
                    }
                };
                frames.push(FrameKey { func, line: 0 });
            }
            *s.samples.stacks.entry((frames, tier)).or_default() += ticks;
            s.samples.total += ticks;
        }
        self.sampler = Some(s);
    }

    /// The function key of `proto`, registering it the first time.
    fn func_key(&self, s: &mut Sampler, proto: Rc<Proto>, main: bool) -> u32 {
        let key = Rc::as_ptr(&proto) as *const u8 as usize;
        if let Some(&k) = s.index.get(&key) {
            return k;
        }
        let name: Rc<str> = if main {
            Rc::from("(main)")
        } else {
            self.holder_name(&proto, None)
                .map(Rc::from)
                .unwrap_or_else(|| proto.name.clone())
        };
        let line = proto.first_line();
        let k = s.samples.funcs.len() as u32;
        s.samples.funcs.push(FuncInfo {
            name,
            file: proto.file.clone(),
            line,
            intrinsic: false,
        });
        s.keep.push(Keep::Proto(proto));
        s.index.insert(key, k);
        k
    }
}
