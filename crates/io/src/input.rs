//! Reading inputs within bounds: a regular file or a pipe, never a device, and never more than a cap.

use std::io::{Read, Write};

use std::path::Path;

use crate::{Error, Result};

/// Most bytes read from one input (a predictions file or stream, a seed file, a shard part): 16 GiB.
pub const MAX_INPUT_BYTES: u64 = 16 << 30;
/// Longest line a line-based input may have: 64 MiB.
pub const MAX_LINE_BYTES: usize = 64 << 20;

fn at(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error {
        path: path.to_path_buf(),
        source,
    }
}

/// Opens an input: a regular file of at most `cap` bytes, or a pipe (read it through [`copy_capped`] or a
/// `take`); a device (`/dev/zero`, also behind a symlink), a directory or a socket is an error naming it.
/// Returns the file and whether it is a regular file (which can be read twice).
pub fn open_input(path: &Path, cap: u64) -> Result<(std::fs::File, bool)> {
    let meta = std::fs::metadata(path).map_err(at(path))?;
    let kind = meta.file_type();
    #[cfg(unix)]
    let pipe = {
        use std::os::unix::fs::FileTypeExt;
        kind.is_fifo()
    };
    #[cfg(not(unix))]
    let pipe = false;
    if !kind.is_file() && !pipe {
        let what = describe(&kind);
        return Err(at(path)(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{what}, not a regular file or a pipe: give a file (or `-` for standard input)"
            ),
        )));
    }
    if kind.is_file() && meta.len() > cap {
        return Err(at(path)(too_big(cap)));
    }
    let file = std::fs::File::open(path).map_err(at(path))?;
    Ok((file, kind.is_file()))
}

fn describe(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

fn too_big(cap: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::FileTooLarge,
        format!("more than {cap} bytes, the most claimbench reads from one input"),
    )
}

/// Reads a whole input opened by [`open_input`], at most `cap` bytes.
pub fn read_input(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let (file, _) = open_input(path, cap)?;
    let mut out = Vec::new();
    copy_capped(file, &mut out, cap).map_err(at(path))?;
    Ok(out)
}

/// Copies `reader` into `out`, at most `cap` bytes: more is an error saying the cap.
pub fn copy_capped(reader: impl Read, mut out: impl Write, cap: u64) -> std::io::Result<u64> {
    let n = std::io::copy(&mut reader.take(cap + 1), &mut out)?;
    if n > cap {
        return Err(too_big(cap));
    }
    Ok(n)
}

/// Copies a line-based stream into `out`, at most `cap` bytes and no line longer than [`MAX_LINE_BYTES`]: an
/// endless line (a pipe from `/dev/zero`) stops at the first line over the limit, not at the cap.
pub fn copy_lines_capped(
    mut reader: impl Read,
    mut out: impl Write,
    cap: u64,
) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 1 << 16];
    let (mut total, mut line_len, mut line) = (0u64, 0usize, 1usize);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        total += n as u64;
        if total > cap {
            return Err(too_big(cap));
        }
        for chunk in buf[..n].split_inclusive(|&b| b == b'\n') {
            line_len += chunk.len();
            if line_len > MAX_LINE_BYTES {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "line {line} is longer than {MAX_LINE_BYTES} bytes, the most a line may have (is this a JSONL file?)"
                    ),
                ));
            }
            if chunk.ends_with(b"\n") {
                line += 1;
                line_len = 0;
            }
        }
        out.write_all(&buf[..n])?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_refused_and_a_big_input_is_cut_at_the_cap_with_an_error() {
        #[cfg(unix)]
        {
            let t = tempfile::tempdir().unwrap();
            let link = t.path().join("preds.jsonl");
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            let e = open_input(&link, MAX_INPUT_BYTES).unwrap_err();
            assert!(e.to_string().contains("a character device"), "{e}");
            assert_eq!(e.path, link);
        }
        let mut out = Vec::new();
        let e = copy_capped(&[b'x'; 11][..], &mut out, 10).unwrap_err();
        assert!(e.to_string().contains("more than 10 bytes"), "{e}");
        assert_eq!(copy_capped(&[b'x'; 10][..], Vec::new(), 10).unwrap(), 10);
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("big");
        std::fs::write(&p, [b'x'; 11]).unwrap();
        assert!(read_input(&p, 10)
            .unwrap_err()
            .to_string()
            .contains("more than 10"));
        assert_eq!(read_input(&p, 11).unwrap().len(), 11);
        let endless = std::io::repeat(b'0').take(MAX_LINE_BYTES as u64 + 10);
        let e = copy_lines_capped(endless, std::io::sink(), MAX_INPUT_BYTES).unwrap_err();
        assert!(e.to_string().starts_with("line 1 is longer than"), "{e}");
        let lines = b"a\nbb\n".repeat(10);
        assert_eq!(
            copy_lines_capped(&lines[..], std::io::sink(), 100).unwrap(),
            50
        );
    }
}
