//! Pages kept gzip-compressed: written once, sent as they are to the browsers that accept gzip
//! (every browser does), and unpacked only for a client that does not. A kept page then takes
//! a fraction of its memory, and so does each answer on the wire.

use std::{cell::RefCell, io::Read};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

use poem::{
    http::{header, HeaderValue},
    Request, Response, ResponseBuilder,
};

/// Whether the request's `Accept-Encoding` takes gzip (RFC 9110 §12.5.3): named, or `*`, with
/// a weight above zero.
pub fn accepts_gzip(req: &Request) -> bool {
    let Some(accepted) = req.headers().get(header::ACCEPT_ENCODING).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    accepted.split(',').any(|coding| {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or_default().trim();
        // No weight means 1; a weight that does not read is not taken as a yes.
        let weight =
            match parts.find_map(|param| param.trim().strip_prefix("q=").or_else(|| param.trim().strip_prefix("Q="))) {
                None => Some(1.0),
                Some(q) => q.trim().parse::<f32>().ok(),
            };
        (name.eq_ignore_ascii_case("gzip") || name == "*") && weight.is_some_and(|weight| weight > 0.0)
    })
}

thread_local! {
    /// Each thread's compressor, reset and used again. A new one allocates and zeroes some
    /// 250 KB of tables; written for every page a family first opens, those fresh pages (and
    /// the allocator giving them back) cost more than the compressing did.
    static COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(Compression::default(), false));
}

/// `body` gzip-compressed (RFC 1952: a header, the raw deflate stream, its CRC-32 and length).
pub fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut out = Vec::with_capacity(HEADER.len() + body.len() / 3 + 64);
    out.extend_from_slice(&HEADER);
    COMPRESSOR.with_borrow_mut(|compressor| {
        compressor.reset();
        loop {
            let done = compressor.total_in() as usize;
            let rest = body.get(done..).unwrap_or_default();
            out.reserve(rest.len() / 2 + 64);
            match compressor.compress_vec(rest, &mut out, FlushCompress::Finish)? {
                Status::StreamEnd => return Ok::<(), std::io::Error>(()),
                Status::Ok | Status::BufError => continue,
            }
        }
    })?;
    let mut crc = Crc::new();
    crc.update(body);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&crc.amount().to_le_bytes());
    // What is kept holds its whole allocation: room reserved while compressing is given back.
    out.shrink_to_fit();
    Ok(out)
}

/// A body [`gzip`] wrote, as it was.
pub fn gunzip(gzipped: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(gzipped.len() * 4);
    flate2::read::GzDecoder::new(gzipped).read_to_end(&mut body)?;
    Ok(body)
}

/// `builder` answered with a body kept gzip-compressed: as it is to a request that takes gzip,
/// unpacked for one that does not. Either way the answer says it varies by `Accept-Encoding`,
/// so that no cache between gives one reader's form to another.
pub fn answer_gzipped(req: &Request, builder: ResponseBuilder, gzipped: &bytes::Bytes) -> std::io::Result<Response> {
    let mut response = match accepts_gzip(req) {
        true => builder.header(header::CONTENT_ENCODING, "gzip").body(gzipped.clone()),
        false => builder.body(gunzip(gzipped)?),
    };
    response.headers_mut().append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(accept_encoding: &str) -> Request {
        Request::builder().header(header::ACCEPT_ENCODING, accept_encoding).finish()
    }

    #[test]
    fn gzip_is_sent_only_to_those_who_accept_it() {
        assert!(accepts_gzip(&asking("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&asking("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&asking("*")));
        assert!(!accepts_gzip(&asking("gzip;q=0")));
        assert!(!accepts_gzip(&asking("gzip;q=high")), "a weight that does not read is not a yes");
        assert!(!accepts_gzip(&asking("br, deflate")));
        assert!(!accepts_gzip(&asking("identity")));
        assert!(!accepts_gzip(&Request::builder().finish()));
    }

    #[test]
    fn what_is_compressed_unpacks_whole_however_long_and_again_on_the_same_thread() {
        let long: String = (0..40_000).map(|n| char::from(b'a' + (n * 7 % 26) as u8)).collect();
        for body in ["", "x", "予定".repeat(5_000).as_str(), long.as_str(), "x"] {
            let packed = gzip(body.as_bytes()).expect("compressed");
            assert_eq!(packed.capacity(), packed.len(), "kept without spare room");
            let mut reader = flate2::read::GzDecoder::new(&packed[..]);
            let mut unpacked = String::new();
            reader.read_to_string(&mut unpacked).expect("a whole gzip stream");
            assert_eq!(unpacked, body);
        }
    }

    #[tokio::test]
    async fn a_kept_page_reaches_each_reader_whole_in_the_form_they_take() {
        let page = "<p>明日の予定</p>".repeat(200);
        let kept = bytes::Bytes::from(gzip(page.as_bytes()).expect("compressed"));
        assert!(kept.len() * 4 < page.len(), "kept in a fraction of its size");

        let packed = answer_gzipped(&asking("gzip, br"), Response::builder(), &kept).expect("an answer");
        assert_eq!(packed.headers().get(header::CONTENT_ENCODING).map(|v| v.as_bytes()), Some(&b"gzip"[..]));
        assert_eq!(packed.headers().get(header::VARY).map(|v| v.as_bytes()), Some(&b"Accept-Encoding"[..]));
        let sent = packed.into_body().into_bytes().await.expect("a body");
        assert_eq!(gunzip(&sent).expect("unpacked"), page.as_bytes());

        let plain = answer_gzipped(&asking("identity"), Response::builder(), &kept).expect("an answer");
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers().get(header::VARY).map(|v| v.as_bytes()), Some(&b"Accept-Encoding"[..]));
        assert_eq!(plain.into_body().into_string().await.expect("a body"), page);
    }
}
