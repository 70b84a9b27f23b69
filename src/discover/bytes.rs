//! Response bodies to plain bytes: undo gzip by sniffing the magic bytes, with a hard cap on the
//! output.
//!
//! Sites lie about compression in both directions (`.xml.gz` names holding plain XML, gzip served as
//! `application/octet-stream`), so only the first two bytes decide. The cap is what stops a
//! decompression bomb: a few kilobytes of gzip can claim gigabytes.

use std::borrow::Cow;
use std::io::Read;

use flate2::read::MultiGzDecoder;

/// The two bytes every gzip member starts with (RFC 1952).
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Suggested cap for [`decode_body`]: a little above the 50 MB sitemaps.org limit so that a
/// slightly oversized sitemap still reaches the parser, which keeps its first 50 MB.
pub const DEFAULT_MAX_UNCOMPRESSED: usize = 64 * 1024 * 1024;

/// How many gzip layers are peeled. Two layers happen when a server gzips a file that is already
/// `.gz`; more is never legitimate and would only multiply the work.
const MAX_LAYERS: usize = 3;

/// Why a body could not be turned into plain bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The decompressed data would exceed the cap (a gzip bomb, or simply a huge sitemap).
    #[error(
        "gzip body expands to more than {limit} bytes; stopped there (decompression bomb or oversized sitemap)"
    )]
    TooLarge {
        /// The cap that was hit, in bytes.
        limit: usize,
    },
    /// The body starts like gzip but is not valid gzip (corrupt, or cut off mid-download).
    #[error("body starts with the gzip signature but cannot be decompressed: {0}")]
    Gzip(String),
}

/// True when `raw` starts with the gzip signature.
///
/// Exposed so the caller can log "gzip-compressed payload" next to a misleading Content-Type.
pub fn is_gzip(raw: &[u8]) -> bool {
    raw.starts_with(&GZIP_MAGIC)
}

/// Undoes gzip if the bytes start with the gzip magic (1f 8b), whatever the URL or Content-Type
/// says; output is bounded by `max_uncompressed`.
///
/// Bytes without the magic come back borrowed and untouched (an `.xml.gz` URL serving plain XML is
/// normal: AIOSEO does it). Multi-member gzip files are read in full, and up to three nested
/// layers are peeled. The output never exceeds `max_uncompressed` bytes: past it the function
/// stops reading and returns [`BodyError::TooLarge`], so a bomb costs at most that much memory.
///
/// # Errors
///
/// [`BodyError::TooLarge`] past the cap; [`BodyError::Gzip`] for corrupt or cut-off gzip data.
pub fn decode_body(raw: &[u8], max_uncompressed: usize) -> Result<Cow<'_, [u8]>, BodyError> {
    let mut body = Cow::Borrowed(raw);
    for _ in 0..MAX_LAYERS {
        if !is_gzip(&body) {
            break;
        }
        body = Cow::Owned(gunzip(&body, max_uncompressed)?);
    }
    Ok(body)
}

/// A body decoded as far as it goes, for readers that keep what came before a cut.
#[derive(Debug)]
pub struct Partial<'a> {
    /// The decoded bytes: never more than the cap.
    pub body: Cow<'a, [u8]>,
    /// Why the bytes stop early (a bomb or an oversized file hit the cap, or the gzip data is
    /// cut off), when they do.
    pub cut: Option<BodyError>,
}

/// Like [`decode_body`], but a gzip body that expands past `max_uncompressed` or breaks off
/// midway gives its first bytes instead of nothing: a sitemap's URLs come in document order, so
/// the head of an oversized or cut file is still a usable list.
///
/// # Errors
///
/// [`BodyError::Gzip`] only when not a single byte could be decompressed.
pub fn decode_body_partial(raw: &[u8], max_uncompressed: usize) -> Result<Partial<'_>, BodyError> {
    let mut body = Cow::Borrowed(raw);
    let mut cut = None;
    for _ in 0..MAX_LAYERS {
        if !is_gzip(&body) {
            break;
        }
        let read_cap = u64::try_from(max_uncompressed)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(max_uncompressed));
        let result = MultiGzDecoder::new(&body[..])
            .take(read_cap)
            .read_to_end(&mut out);
        if let Err(e) = result {
            if out.is_empty() {
                return Err(BodyError::Gzip(e.to_string()));
            }
            cut = Some(BodyError::Gzip(e.to_string()));
        }
        if out.len() > max_uncompressed {
            out.truncate(max_uncompressed);
            cut = Some(BodyError::TooLarge {
                limit: max_uncompressed,
            });
        }
        body = Cow::Owned(out);
    }
    Ok(Partial { body, cut })
}

fn gunzip(compressed: &[u8], max_uncompressed: usize) -> Result<Vec<u8>, BodyError> {
    // Read one byte past the cap: if it arrives, the output is too large.
    let read_cap = u64::try_from(max_uncompressed)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut out = Vec::with_capacity(compressed.len().saturating_mul(4).min(max_uncompressed));
    MultiGzDecoder::new(compressed)
        .take(read_cap)
        .read_to_end(&mut out)
        .map_err(|e| BodyError::Gzip(e.to_string()))?;
    if out.len() > max_uncompressed {
        return Err(BodyError::TooLarge {
            limit: max_uncompressed,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn plain_bytes_pass_through_borrowed() {
        let raw = b"<urlset/>";
        let out = decode_body(raw, 100).unwrap();
        assert!(matches!(out, Cow::Borrowed(_)));
        assert_eq!(&*out, raw);
    }

    #[test]
    fn gzip_is_undone_whatever_the_name() {
        let raw = gzip(b"<urlset/>");
        let out = decode_body(&raw, 100).unwrap();
        assert_eq!(&*out, b"<urlset/>");
    }

    #[test]
    fn usp_gzip_fixture_with_gz_name() {
        let raw = fixture!("usp/edge-gzip-sitemap_1.gz");
        let out = decode_body(raw, 1 << 20).unwrap();
        assert!(out.starts_with(b"<?xml version=\"1.0\""));
        assert_eq!(out.len(), 619);
    }

    #[test]
    fn usp_gzip_fixture_with_dat_name() {
        let raw = fixture!("usp/edge-gzip-sitemap_2.dat");
        let out = decode_body(raw, 1 << 20).unwrap();
        assert!(out.starts_with(b"<?xml version=\"1.0\""));
    }

    #[test]
    fn usp_plain_xml_named_xml_gz_is_untouched() {
        let raw = fixture!("usp/edge-gzip-sitemap_3.xml.gz");
        let out = decode_body(raw, 1 << 20).unwrap();
        assert!(matches!(out, Cow::Borrowed(_)));
        assert_eq!(&*out, &raw[..]);
    }

    #[test]
    fn partial_decoding_keeps_the_head_of_a_bomb_and_of_cut_gzip() {
        let bomb = gzip(&[b'a'; 10_000]);
        let p = decode_body_partial(&bomb, 100).unwrap();
        assert_eq!(p.body.len(), 100);
        assert_eq!(p.cut, Some(BodyError::TooLarge { limit: 100 }));
        assert!(decode_body(&bomb, 100).is_err());

        let text: Vec<u8> = (0..2000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let whole = gzip(&text);
        let cut = &whole[..whole.len() / 2];
        let p = decode_body_partial(cut, 1 << 20).unwrap();
        assert!(
            !p.body.is_empty() && text.starts_with(&p.body),
            "{}",
            p.body.len()
        );
        assert!(matches!(p.cut, Some(BodyError::Gzip(_))));

        let plain = decode_body_partial(b"<urlset/>", 100).unwrap();
        assert!(matches!(plain.body, Cow::Borrowed(_)) && plain.cut.is_none());
    }

    #[test]
    fn multi_member_gzip_is_read_whole() {
        let mut raw = gzip(b"<urlset>");
        raw.extend(gzip(b"</urlset>"));
        assert_eq!(&*decode_body(&raw, 100).unwrap(), b"<urlset></urlset>");
    }

    #[test]
    fn double_gzip_is_peeled() {
        let raw = gzip(&gzip(b"<urlset/>"));
        assert_eq!(&*decode_body(&raw, 100).unwrap(), b"<urlset/>");
    }

    #[test]
    fn gzip_bomb_stops_at_the_limit() {
        // 64 MiB of zeros compress to about 64 KiB.
        let bomb = gzip(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 100_000);
        assert_eq!(
            decode_body(&bomb, 1 << 20),
            Err(BodyError::TooLarge { limit: 1 << 20 })
        );
    }

    #[test]
    fn output_exactly_at_the_limit_is_fine() {
        let raw = gzip(&[b'a'; 100]);
        let out = decode_body(&raw, 100).unwrap();
        assert_eq!(out.len(), 100);
    }

    #[test]
    fn corrupt_gzip_is_an_error() {
        let mut raw = gzip(b"<urlset></urlset>");
        raw.truncate(raw.len() / 2);
        assert!(matches!(decode_body(&raw, 100), Err(BodyError::Gzip(_))));
    }

    #[test]
    fn magic_alone_is_an_error_not_a_panic() {
        assert!(matches!(
            decode_body(&[0x1f, 0x8b], 100),
            Err(BodyError::Gzip(_))
        ));
    }

    #[test]
    fn error_messages_name_the_problem() {
        assert_eq!(
            BodyError::TooLarge { limit: 10 }.to_string(),
            "gzip body expands to more than 10 bytes; stopped there (decompression bomb or oversized sitemap)"
        );
    }
}
