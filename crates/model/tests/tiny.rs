//! Tests on a tiny random BERT: loading, pooling, truncation, batching, cache, errors.

mod common;

use std::path::Path;

use claimbench_model::{
    convert, DeviceSpec, Embedder, EmbedderOptions, Error, Forward, ModelOverrides, Pooling,
    Precision,
};
use claimbench_score::cosine;
use common::*;

fn opts() -> EmbedderOptions {
    EmbedderOptions {
        device: DeviceSpec::Cpu,
        precision: Precision::F32,
        batch_size: 4,
        cache_dir: None,
    }
}

fn tiny(seed: u64) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write_tiny_bert(d.path(), seed);
    d
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(|s| s.as_str()).collect()
}

#[test]
fn loads_with_defaults_and_embeds_in_input_order() {
    let d = tiny(1);
    let e = Embedder::load(d.path(), &opts()).unwrap();
    assert_eq!(e.dim(), HIDDEN);
    assert_eq!(e.pooling(), Pooling::Mean);
    assert!(!e.normalize());
    assert_eq!(e.max_seq_length(), MAX_POS);
    assert_eq!(e.device_label(), "cpu");
    assert_eq!(e.precision(), Precision::F32);
    assert_eq!(e.weights_sha256().len(), 64);
    assert_eq!(
        e.weights_sha256(),
        claimbench_model::sha256_file(&d.path().join("model.safetensors")).unwrap()
    );
    let s = sentences();
    let out = e.embed(&refs(&s)).unwrap();
    assert_eq!(out.vectors.len(), s.len());
    assert_eq!(out.truncated, 0);
    for v in &out.vectors {
        assert_eq!(v.len(), HIDDEN);
        assert!(v.iter().all(|x| x.is_finite()));
    }
    // each vector equals the same text embedded alone: order is preserved
    for (i, t) in s.iter().enumerate() {
        let alone = e.embed(&[t.as_str()]).unwrap();
        let diff = max_abs_diff(&alone.vectors[0], &out.vectors[i]);
        assert!(diff < 1e-5, "input {i} ({t:?}): max diff {diff}");
    }
    // different texts give different vectors
    assert!(max_abs_diff(&out.vectors[0], &out.vectors[1]) > 1e-3);
    assert!(e.embed(&[]).unwrap().vectors.is_empty());
}

#[test]
fn padding_does_not_change_results_and_batch_size_does_not_matter() {
    let d = tiny(2);
    let s = sentences();
    let texts = refs(&s);
    let mut base = None;
    for bs in [1, 2, 3, 8, 64] {
        let e = Embedder::load(
            d.path(),
            &EmbedderOptions {
                batch_size: bs,
                ..opts()
            },
        )
        .unwrap();
        let out = e.embed(&texts).unwrap();
        match &base {
            None => base = Some(out),
            Some(b) => {
                for i in 0..texts.len() {
                    let diff = max_abs_diff(&b.vectors[i], &out.vectors[i]);
                    assert!(diff < 1e-5, "batch {bs}, input {i}: {diff}");
                }
            }
        }
    }
    // a short sentence alone and in a batch with much longer ones, for every pooling
    for pooling in [Pooling::Mean, Pooling::Cls, Pooling::Max] {
        let ov = ModelOverrides {
            pooling: Some(pooling),
            ..Default::default()
        };
        let e = Embedder::load_with_overrides(
            d.path(),
            &EmbedderOptions {
                batch_size: 64,
                ..opts()
            },
            &ov,
        )
        .unwrap();
        let alone = e.embed(&["the cat sat"]).unwrap();
        let batch = e.embed(&[texts[6], "the cat sat", texts[1]]).unwrap();
        let diff = max_abs_diff(&alone.vectors[0], &batch.vectors[1]);
        assert_eq!(
            diff, 0.0,
            "{pooling}: a text alone and among others must give the same bits"
        );
    }
    // permuting the inputs permutes the outputs
    let e = Embedder::load(d.path(), &opts()).unwrap();
    let fwd = e.embed(&texts).unwrap();
    let rev: Vec<&str> = texts.iter().rev().copied().collect();
    let back = e.embed(&rev).unwrap();
    for i in 0..texts.len() {
        let diff = max_abs_diff(&fwd.vectors[i], &back.vectors[texts.len() - 1 - i]);
        assert!(diff < 1e-5);
    }
}

#[test]
fn both_forwards_agree_for_every_pooling_and_auto_picks_as_documented() {
    let d = tiny(3);
    let s = sentences();
    let texts = refs(&s);
    for pooling in [Pooling::Mean, Pooling::Cls, Pooling::Max] {
        for normalize in [false, true] {
            let ov = ModelOverrides {
                pooling: Some(pooling),
                normalize: Some(normalize),
                max_seq_length: Some(12),
            };
            let load = |f| Embedder::load_with_forward(d.path(), &opts(), &ov, f).unwrap();
            let (fast, candle, auto) = (
                load(Forward::Fast),
                load(Forward::Candle),
                load(Forward::Auto),
            );
            assert_eq!(fast.forward(), Forward::Fast);
            assert_eq!(candle.forward(), Forward::Candle);
            let want = if pooling == Pooling::Mean {
                Forward::Fast
            } else {
                Forward::Candle
            };
            assert_eq!(auto.forward(), want, "auto with {pooling}");
            assert_ne!(fast.cache_key(), candle.cache_key());
            let a = fast.embed(&texts).unwrap();
            let b = candle.embed(&texts).unwrap();
            assert_eq!(a.truncated, b.truncated);
            assert!(a.truncated > 0);
            for (i, (x, y)) in a.vectors.iter().zip(&b.vectors).enumerate() {
                let diff = max_abs_diff(x, y);
                assert!(diff < 1e-5, "{pooling} norm={normalize}, input {i}: {diff}");
            }
            // packed with texts of other lengths, or alone: the same bits
            for (i, t) in texts.iter().enumerate() {
                let alone = fast.embed(&[t]).unwrap();
                assert_eq!(
                    bits(&alone.vectors)[0],
                    bits(&a.vectors)[i],
                    "{pooling}: input {i} alone vs packed"
                );
            }
        }
    }
    // reduced precision: auto keeps candle, fast can be asked for
    for precision in [Precision::F16, Precision::Bf16] {
        let o = EmbedderOptions {
            precision,
            ..opts()
        };
        let ov = ModelOverrides::default();
        let auto = Embedder::load_with_forward(d.path(), &o, &ov, Forward::Auto).unwrap();
        assert_eq!(auto.forward(), Forward::Candle);
        let fast = Embedder::load_with_forward(d.path(), &o, &ov, Forward::Fast).unwrap();
        assert_eq!(fast.forward(), Forward::Fast);
        let v = fast.embed(&texts).unwrap();
        assert_eq!(v.vectors.len(), texts.len());
    }
    assert_eq!("fast".parse::<Forward>().unwrap(), Forward::Fast);
    assert_eq!(" Candle ".parse::<Forward>().unwrap(), Forward::Candle);
    assert_eq!(Forward::default().to_string(), "auto");
    let err = "gpu".parse::<Forward>().unwrap_err().to_string();
    assert!(
        err.contains("forward") && err.contains("auto, candle or fast"),
        "{err}"
    );
}

#[test]
fn pooling_variants_relate_as_they_should() {
    let d = tiny(3);
    let texts = ["a dog ran home and the cat sat on the mat", "cats"];
    let load = |pooling, normalize| {
        let ov = ModelOverrides {
            pooling: Some(pooling),
            normalize: Some(normalize),
            max_seq_length: None,
        };
        Embedder::load_with_overrides(d.path(), &opts(), &ov).unwrap()
    };
    let mean = load(Pooling::Mean, false).embed(&texts).unwrap();
    let max = load(Pooling::Max, false).embed(&texts).unwrap();
    let cls = load(Pooling::Cls, false).embed(&texts).unwrap();
    let mean_n = load(Pooling::Mean, true).embed(&texts).unwrap();
    for i in 0..texts.len() {
        // the max over tokens is at least the mean over the same tokens, and strictly above
        // it somewhere when there are several different tokens
        assert!(max.vectors[i]
            .iter()
            .zip(&mean.vectors[i])
            .all(|(m, a)| *m >= *a - 1e-6));
        assert!(max.vectors[i]
            .iter()
            .zip(&mean.vectors[i])
            .any(|(m, a)| *m > *a + 1e-3));
        assert!(max_abs_diff(&cls.vectors[i], &mean.vectors[i]) > 1e-3);
        // normalised = raw / norm
        let norm: f32 = mean.vectors[i].iter().map(|x| x * x).sum::<f32>().sqrt();
        let expect: Vec<f32> = mean.vectors[i].iter().map(|x| x / norm).collect();
        assert!(max_abs_diff(&expect, &mean_n.vectors[i]) < 1e-6);
        let n2: f32 = mean_n.vectors[i].iter().map(|x| x * x).sum();
        assert!((n2 - 1.0).abs() < 1e-5);
    }
}

#[test]
fn sentence_transformers_files_are_honoured() {
    let d = tiny(4);
    write_st_files(d.path(), "cls", true, Some(12));
    let e = Embedder::load(d.path(), &opts()).unwrap();
    assert_eq!(e.pooling(), Pooling::Cls);
    assert!(e.normalize());
    assert_eq!(e.max_seq_length(), 12);
    let raw = Embedder::load_with_overrides(
        d.path(),
        &opts(),
        &ModelOverrides {
            normalize: Some(false),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(raw.pooling(), Pooling::Cls);
    let a = e.embed(&["the cat sat"]).unwrap().vectors.remove(0);
    let b = raw.embed(&["the cat sat"]).unwrap().vectors.remove(0);
    assert!((cosine(&a, &b) - 1.0).abs() < 1e-6);
    let n: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((n - 1.0).abs() < 1e-5);

    // unsupported pooling is an error naming the file
    let pc = d.path().join("1_Pooling").join("config.json");
    std::fs::write(
        &pc,
        r#"{"pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": true}"#,
    )
    .unwrap();
    let err = Embedder::load(d.path(), &opts()).unwrap_err();
    assert!(
        matches!(err, Error::Unsupported { ref path, .. } if path == &pc),
        "{err}"
    );
    std::fs::write(&pc, r#"{"pooling_mode_lasttoken": true}"#).unwrap();
    let err = Embedder::load(d.path(), &opts()).unwrap_err().to_string();
    assert!(err.contains("lasttoken"), "{err}");
}

#[test]
fn truncation_is_counted_never_silent() {
    let d = tiny(5);
    write_st_files(d.path(), "mean", false, Some(8));
    let e = Embedder::load(d.path(), &opts()).unwrap();
    assert_eq!(e.max_seq_length(), 8);
    let long = "the cat sat on the mat and a dog ran home"; // 11 words + 2 specials
    let exact = "the cat sat on the mat"; // 6 words + 2 specials = 8: not truncated
    assert_eq!(e.token_count(long).unwrap(), (8, true));
    assert_eq!(e.token_count(exact).unwrap(), (8, false));
    assert_eq!(e.token_count("cats").unwrap(), (4, false));
    let out = e.embed(&[long, "cats", exact, long]).unwrap();
    assert_eq!(out.truncated, 2, "duplicates count as inputs");
    // a truncated input embeds like its first tokens
    let prefix = "the cat sat on the mat and"; // first 6 word pieces of `long`
    let p = e.embed(&[prefix]).unwrap();
    assert_eq!(p.truncated, 1);
    let head = e.embed(&["the cat sat on the mat"]).unwrap();
    assert!(max_abs_diff(&out.vectors[0], &head.vectors[0]) < 1e-5);
    // an override of the length
    let e16 = Embedder::load_with_overrides(
        d.path(),
        &opts(),
        &ModelOverrides {
            max_seq_length: Some(16),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(e16.embed(&[long]).unwrap().truncated, 0);
    let err = Embedder::load_with_overrides(
        d.path(),
        &opts(),
        &ModelOverrides {
            max_seq_length: Some(MAX_POS + 1),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Option {
                field: "max_seq_length",
                ..
            }
        ),
        "{err}"
    );
}

fn cache_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn bits(v: &[Vec<f32>]) -> Vec<Vec<u32>> {
    v.iter()
        .map(|r| r.iter().map(|x| x.to_bits()).collect())
        .collect()
}

#[test]
fn cache_is_deterministic_atomic_and_never_trusts_bad_files() {
    let d = tiny(6);
    write_st_files(d.path(), "mean", true, Some(8));
    let cache = tempfile::tempdir().unwrap();
    let o = EmbedderOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..opts()
    };
    let s = sentences();
    let texts = refs(&s);

    let cold = Embedder::load(d.path(), &o).unwrap().embed(&texts).unwrap();
    let files = cache_files(cache.path());
    assert_eq!(
        files.len(),
        texts.len(),
        "one file per distinct text: {files:?}"
    );
    assert!(
        files
            .iter()
            .all(|f| f.extension().is_some_and(|x| x == "emb")),
        "no temp files left"
    );
    let e = Embedder::load(d.path(), &o).unwrap();
    let mut calls = Vec::new();
    let warm = e
        .embed_with_progress(&texts, &mut |a, b| calls.push((a, b)))
        .unwrap();
    assert_eq!(
        bits(&cold.vectors),
        bits(&warm.vectors),
        "cold and warm byte-identical"
    );
    assert_eq!(cold.truncated, warm.truncated);
    assert!(cold.truncated > 0);
    assert_eq!(
        calls,
        vec![(texts.len(), texts.len())],
        "all from the cache"
    );
    // without a cache: same values
    let plain = Embedder::load(d.path(), &opts())
        .unwrap()
        .embed(&texts)
        .unwrap();
    assert_eq!(bits(&plain.vectors), bits(&cold.vectors));

    // damage files: truncated, a flipped byte, garbage; each is recomputed, not trusted
    let target = e.cache_dir().unwrap().to_path_buf();
    let f0 = cache_files(&target);
    let bytes = std::fs::read(&f0[0]).unwrap();
    std::fs::write(&f0[0], &bytes[..bytes.len() - 5]).unwrap();
    let mut flipped = std::fs::read(&f0[1]).unwrap();
    flipped[20] ^= 0x40;
    std::fs::write(&f0[1], &flipped).unwrap();
    std::fs::write(&f0[2], b"not a vector").unwrap();
    let mut calls = Vec::new();
    let again = e
        .embed_with_progress(&texts, &mut |a, b| calls.push((a, b)))
        .unwrap();
    assert_eq!(
        calls.first(),
        Some(&(texts.len() - 3, texts.len())),
        "three recomputed"
    );
    for (i, (a, b)) in cold.vectors.iter().zip(&again.vectors).enumerate() {
        assert!(max_abs_diff(a, b) < 1e-5, "input {i}");
    }
    // and repaired on disk
    assert_eq!(std::fs::read(&f0[1]).unwrap().len(), bytes.len());
    let mut calls = Vec::new();
    e.embed_with_progress(&texts, &mut |a, b| calls.push((a, b)))
        .unwrap();
    assert_eq!(calls, vec![(texts.len(), texts.len())]);

    // another pooling uses another cache directory
    let cls = Embedder::load_with_overrides(
        d.path(),
        &o,
        &ModelOverrides {
            pooling: Some(Pooling::Cls),
            ..Default::default()
        },
    )
    .unwrap();
    assert_ne!(cls.cache_dir(), e.cache_dir());
    let c = cls.embed(&texts[..1]).unwrap();
    assert!(max_abs_diff(&c.vectors[0], &cold.vectors[0]) > 1e-3);
}

#[test]
fn repeated_texts_are_embedded_once() {
    let d = tiny(7);
    let e = Embedder::load(
        d.path(),
        &EmbedderOptions {
            batch_size: 1,
            ..opts()
        },
    )
    .unwrap();
    let mut calls = Vec::new();
    let out = e
        .embed_with_progress(&["cats", "home", "cats", "cats"], &mut |a, b| {
            calls.push((a, b))
        })
        .unwrap();
    // one batch per distinct text, shortest first ("home" is 3 tokens, "cats" 4);
    // progress counts inputs
    assert_eq!(calls, vec![(0, 4), (1, 4), (4, 4)]);
    assert_eq!(bits(&out.vectors[..1]), bits(&out.vectors[2..3]));
    assert_eq!(bits(&out.vectors[..1]), bits(&out.vectors[3..4]));
}

#[test]
fn missing_files_and_bad_options_are_clear_errors() {
    let d = tiny(8);
    for f in ["config.json", "tokenizer.json", "model.safetensors"] {
        let copy = tempfile::tempdir().unwrap();
        for g in ["config.json", "tokenizer.json", "model.safetensors"] {
            if g != f {
                std::fs::copy(d.path().join(g), copy.path().join(g)).unwrap();
            }
        }
        let err = Embedder::load(copy.path(), &opts()).unwrap_err();
        match &err {
            Error::MissingFile { path, hint } => {
                assert_eq!(path, &copy.path().join(f));
                assert!(hint.contains("claimbench models fetch"), "{hint}");
            }
            other => panic!("{f}: expected MissingFile, got {other}"),
        }
    }
    let err = Embedder::load(&d.path().join("nope"), &opts()).unwrap_err();
    assert!(matches!(err, Error::MissingFile { .. }), "{err}");
    let err = Embedder::load(
        d.path(),
        &EmbedderOptions {
            batch_size: 0,
            ..opts()
        },
    )
    .unwrap_err();
    assert!(matches!(
        err,
        Error::Option {
            field: "batch_size",
            ..
        }
    ));
    // broken JSON names the file
    let bad = tempfile::tempdir().unwrap();
    write_tiny_bert(bad.path(), 9);
    std::fs::write(bad.path().join("config.json"), "{ not json").unwrap();
    let err = Embedder::load(bad.path(), &opts()).unwrap_err();
    assert!(
        matches!(err, Error::Parse { ref path, .. } if path.ends_with("config.json")),
        "{err}"
    );
    // weights that lack a tensor
    std::fs::copy(d.path().join("config.json"), bad.path().join("config.json")).unwrap();
    let t =
        candle_core::Tensor::zeros(3, candle_core::DType::F32, &candle_core::Device::Cpu).unwrap();
    let mut m = std::collections::HashMap::new();
    m.insert("something.else".to_string(), t);
    candle_core::safetensors::save(&m, bad.path().join("model.safetensors")).unwrap();
    let err = Embedder::load(bad.path(), &opts()).unwrap_err().to_string();
    assert!(
        err.contains("model.safetensors") && err.contains("word_embeddings"),
        "{err}"
    );
}

#[test]
fn devices_parse_and_a_cpu_build_says_how_to_get_cuda() {
    assert_eq!("cpu".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cpu);
    assert_eq!("cuda".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cuda(0));
    assert_eq!("CUDA:1".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cuda(1));
    assert_eq!("metal".parse::<DeviceSpec>().unwrap(), DeviceSpec::Metal(0));
    assert_eq!("auto".parse::<DeviceSpec>().unwrap(), DeviceSpec::Auto);
    for bad in ["gpu", "cuda:", "cuda:x", "cuda1", ""] {
        assert!(
            matches!(bad.parse::<DeviceSpec>(), Err(Error::ParseDevice(_))),
            "{bad}"
        );
    }
    for d in [
        DeviceSpec::Cpu,
        DeviceSpec::Cuda(2),
        DeviceSpec::Metal(0),
        DeviceSpec::Auto,
    ] {
        assert_eq!(d.to_string().parse::<DeviceSpec>().unwrap(), d);
    }
    assert_eq!("bf16".parse::<Precision>().unwrap(), Precision::Bf16);
    assert!("f8".parse::<Precision>().is_err());
    assert_eq!("max".parse::<Pooling>().unwrap(), Pooling::Max);

    let d = tiny(10);
    if !claimbench_model::cuda_built() {
        let err = Embedder::load(
            d.path(),
            &EmbedderOptions {
                device: DeviceSpec::Cuda(0),
                ..opts()
            },
        )
        .unwrap_err();
        assert!(matches!(err, Error::Device { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("--features cuda") && msg.contains("scripts/build-cuda.sh"),
            "{msg}"
        );
    }
    if !claimbench_model::metal_built() {
        let err = Embedder::load(
            d.path(),
            &EmbedderOptions {
                device: DeviceSpec::Metal(0),
                ..opts()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("--features metal"), "{err}");
    }
    // auto always resolves to something that runs
    let e = Embedder::load(
        d.path(),
        &EmbedderOptions {
            device: DeviceSpec::Auto,
            ..opts()
        },
    )
    .unwrap();
    assert_eq!(e.embed(&["cats"]).unwrap().vectors[0].len(), HIDDEN);
}

#[test]
fn convert_writes_a_reduced_precision_copy() {
    let d = tiny(11);
    write_st_files(d.path(), "mean", true, Some(32));
    let out_parent = tempfile::tempdir().unwrap();
    let out = out_parent.path().join("tiny-f16");
    convert(d.path(), &out, Precision::F16).unwrap();
    for f in [
        "config.json",
        "tokenizer.json",
        "modules.json",
        "1_Pooling/config.json",
        "sentence_bert_config.json",
    ] {
        assert_eq!(
            std::fs::read(d.path().join(f)).unwrap(),
            std::fs::read(out.join(f)).unwrap(),
            "{f}"
        );
    }
    let w =
        candle_core::safetensors::load(out.join("model.safetensors"), &candle_core::Device::Cpu)
            .unwrap();
    assert!(w.values().all(|t| t.dtype() == candle_core::DType::F16));
    let orig = std::fs::metadata(d.path().join("model.safetensors"))
        .unwrap()
        .len();
    let half = std::fs::metadata(out.join("model.safetensors"))
        .unwrap()
        .len();
    assert!(half < orig * 6 / 10, "{half} vs {orig}");
    // no staging directories left next to the output
    let names: Vec<_> = std::fs::read_dir(out_parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("tiny-f16")]);

    // loaded in f32, the f16 copy embeds almost like the original
    let s = sentences();
    let a = Embedder::load(d.path(), &opts())
        .unwrap()
        .embed(&refs(&s))
        .unwrap();
    let conv = Embedder::load(&out, &opts()).unwrap();
    assert_ne!(
        conv.weights_sha256(),
        Embedder::load(d.path(), &opts()).unwrap().weights_sha256()
    );
    let b = conv.embed(&refs(&s)).unwrap();
    for (x, y) in a.vectors.iter().zip(&b.vectors) {
        assert!(cosine(x, y) > 0.999, "{}", cosine(x, y));
    }
    // refuses to overwrite
    let err = convert(d.path(), &out, Precision::F16).unwrap_err();
    assert!(matches!(
        err,
        Error::Option {
            field: "out_dir",
            ..
        }
    ));
}

#[test]
fn embedder_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Embedder>();
    let d = tiny(12);
    let e = Embedder::load(d.path(), &opts()).unwrap();
    let alone = e.embed(&["the cat sat", "home"]).unwrap();
    let outs: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3)
            .map(|_| s.spawn(|| e.embed(&["the cat sat", "home"]).unwrap()))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for o in outs {
        assert_eq!(bits(&o.vectors), bits(&alone.vectors));
    }
}
