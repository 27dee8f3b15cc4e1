//! SigV4 query encoding shared by presigned tokens and hand-signed AWS calls.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters is `%XX`, as SigV4 wants.
const SIGV4_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Encodes a query key or value for a SigV4 canonical query string.
pub(crate) fn uri_encode(value: &str) -> String {
    utf8_percent_encode(value, SIGV4_ENCODE).to_string()
}

#[cfg(test)]
mod tests {
    use super::uri_encode;

    #[test]
    fn keeps_unreserved_and_encodes_the_rest_uppercase() {
        assert_eq!(uri_encode("Az09-_.~"), "Az09-_.~");
        assert_eq!(uri_encode("a b/c=d&é"), "a%20b%2Fc%3Dd%26%C3%A9");
    }
}
