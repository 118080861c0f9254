//! A panic is claimbench's bug, never the user's: [`catch`] turns one (on any thread, rayon's workers included)
//! into a [`Failure`] that reads `internal error while reading INPUT: MESSAGE at FILE:LINE (please report)`, and
//! the panic hook prints nothing while a `catch` runs (no backtrace reaches a user). The binary and the Python
//! package call the command through [`catch`].

use std::any::Any;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once, PoisonError};

use crate::Failure;

/// How many [`catch`] calls are running (the hook stays quiet only then).
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// The first panic's message and place since the outermost [`catch`] began.
static FIRST: Mutex<Option<String>> = Mutex::new(None);
/// What the command was reading ([`reading`]), named in the report.
static INPUT: Mutex<Option<String>> = Mutex::new(None);
static HOOK: Once = Once::new();

fn payload_text(payload: &(dyn Any + Send)) -> String {
    let text = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            if ACTIVE.load(Ordering::SeqCst) == 0 {
                previous(info);
                return;
            }
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            FIRST
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_or_insert_with(|| format!("{}{place}", payload_text(info.payload())));
        }));
    });
}

/// Name what the command is reading now (a file, a file and line), for the report of a panic.
pub fn reading(what: impl Into<String>) {
    *INPUT.lock().unwrap_or_else(PoisonError::into_inner) = Some(what.into());
}

/// Run `f`; a panic inside it becomes the [`Failure`] `internal error ... (please report)`.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Failure> {
    install_hook();
    if ACTIVE.fetch_add(1, Ordering::SeqCst) == 0 {
        *FIRST.lock().unwrap_or_else(PoisonError::into_inner) = None;
        *INPUT.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    let outermost = ACTIVE.fetch_sub(1, Ordering::SeqCst) == 1;
    result.map_err(|payload| {
        let first = FIRST.lock().unwrap_or_else(PoisonError::into_inner).take();
        let input = if outermost {
            INPUT.lock().unwrap_or_else(PoisonError::into_inner).take()
        } else {
            INPUT.lock().unwrap_or_else(PoisonError::into_inner).clone()
        };
        Failure(format!(
            "internal error{}: {} (please report)",
            input
                .map(|i| format!(" while reading {i}"))
                .unwrap_or_default(),
            first.unwrap_or_else(|| payload_text(&*payload)),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_place_and_input_on_any_thread() {
        let r = catch(|| {
            reading("pairs.jsonl line 7");
            let v: Vec<u8> = Vec::new();
            v[usize::from(v.is_empty())]
        });
        let msg = r.expect_err("a panic").0;
        assert!(
            msg.starts_with("internal error while reading pairs.jsonl line 7: index out of bounds"),
            "{msg}"
        );
        assert!(msg.contains("src/panic.rs:"), "{msg}");
        assert!(msg.ends_with("(please report)"), "{msg}");
        // the next call starts clean
        assert_eq!(catch(|| 3), Ok(3));
        let msg = catch(|| panic!("two\nlines")).expect_err("a panic").0;
        assert_eq!(
            msg.split(" at ").next(),
            Some("internal error: two lines"),
            "{msg}"
        );

        // on a rayon worker (one test: the hook's state is the process's)
        use rayon::prelude::*;
        let r = catch(|| {
            (0..64u32)
                .into_par_iter()
                .map(|i| if i == 40 { panic!("worker {i}") } else { i })
                .sum::<u32>()
        });
        let msg = r.expect_err("a panic").0;
        assert!(msg.starts_with("internal error: worker 40 at "), "{msg}");
    }
}
