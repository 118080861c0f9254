//! Writing a copy of a model directory with the weights in another precision (for example
//! f16 weights, half the size, to carry to a GPU machine).

use std::path::Path;

use candle_core::Device;

use crate::device::Precision;
use crate::error::{io_err, CandleContext, Error, Result};

fn copy_tree(from: &Path, to: &Path, skip: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(io_err(to))?;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .map_err(io_err(from))?
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(io_err(from))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let src = e.path();
        if src == skip {
            continue;
        }
        let dst = to.join(e.file_name());
        let ft = e.file_type().map_err(io_err(&src))?;
        if ft.is_dir() {
            copy_tree(&src, &dst, skip)?;
        } else if ft.is_file() {
            std::fs::copy(&src, &dst).map_err(io_err(&src))?;
        }
    }
    Ok(())
}

/// Write a copy of `model_dir` to `out_dir` with `model.safetensors` converted to `precision`
/// (floating-point tensors only; integer tensors are copied as they are). The copy is built in
/// a temp directory next to `out_dir` and renamed into place; `out_dir` must not exist.
pub fn convert(model_dir: &Path, out_dir: &Path, precision: Precision) -> Result<()> {
    let weights = model_dir.join("model.safetensors");
    if !weights.is_file() {
        return Err(Error::MissingFile {
            path: weights,
            hint: "convert needs a model directory with model.safetensors".to_string(),
        });
    }
    if out_dir.exists() {
        return Err(Error::Option {
            field: "out_dir",
            message: format!(
                "{} already exists; remove it or pick another",
                out_dir.display()
            ),
        });
    }
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let staging = tempfile::Builder::new()
        .prefix(".convert-")
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    copy_tree(model_dir, staging.path(), &weights)?;

    let tensors =
        candle_core::safetensors::load(&weights, &Device::Cpu).map_err(|e| Error::Parse {
            path: weights.clone(),
            message: format!("cannot read safetensors: {e}"),
        })?;
    let target = precision.dtype();
    // safetensors orders tensors itself (by dtype, then name): the output is deterministic
    let mut converted = std::collections::HashMap::new();
    for (name, t) in tensors {
        let t = if t.dtype().is_float() {
            t.to_dtype(target)
                .ctx(&format!("converting {name} to {precision}"))?
        } else {
            t
        };
        converted.insert(name, t);
    }
    let out_weights = staging.path().join("model.safetensors");
    candle_core::safetensors::save(&converted, &out_weights).map_err(|e| Error::Parse {
        path: out_weights.clone(),
        message: format!("cannot write safetensors: {e}"),
    })?;
    std::fs::rename(staging.path(), out_dir).map_err(io_err(out_dir))?;
    let _ = staging.keep();
    Ok(())
}
