//! A test hook: `CLAIMBENCH_TEST_HOOK=STAGE:ACTION` makes a writer stop at a named stage, so the tests can
//! kill it, fill its disk or hold its lock at an exact point. Unset (always, outside tests), it does nothing.

use std::path::Path;

/// The variable the hook reads.
pub const TEST_HOOK: &str = "CLAIMBENCH_TEST_HOOK";

/// At `stage`, do what `CLAIMBENCH_TEST_HOOK` asks of it: `abort` (as a SIGKILL would: no clean-up runs),
/// `enospc` (fail as a full disk does), or `wait=FILE` (create FILE, then wait up to 60 s until it is removed).
pub fn test_hook(stage: &str) -> std::io::Result<()> {
    let Ok(spec) = std::env::var(TEST_HOOK) else {
        return Ok(());
    };
    let Some((at, action)) = spec.split_once(':') else {
        return Ok(());
    };
    if at != stage {
        return Ok(());
    }
    match action {
        "abort" => std::process::abort(),
        "enospc" => Err(std::io::Error::from(std::io::ErrorKind::StorageFull)),
        _ => {
            if let Some(flag) = action.strip_prefix("wait=") {
                let flag = Path::new(flag);
                std::fs::write(flag, std::process::id().to_string())?;
                for _ in 0..600 {
                    if !flag.exists() {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            }
            Ok(())
        }
    }
}
