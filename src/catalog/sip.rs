//! SIP and PSTN wording: what a 540xxx/560xxx subcode says about the SBC,
//! the standard SIP reason phrases, and what each code range means.

/// The PSTN reading of a subcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PstnSubcode {
    /// The SIP response code (the last three digits).
    pub sip: u16,
    /// Whether the call was inbound (540xxx) or outbound (560xxx).
    pub inbound: bool,
}

impl PstnSubcode {
    /// Read a subcode with the PSTN rule, if it is 540xxx or 560xxx.
    pub fn of(subcode: i64) -> Option<PstnSubcode> {
        match subcode {
            540_000..=540_999 => Some(PstnSubcode {
                sip: (subcode - 540_000) as u16,
                inbound: true,
            }),
            560_000..=560_999 => Some(PstnSubcode {
                sip: (subcode - 560_000) as u16,
                inbound: false,
            }),
            _ => None,
        }
    }

    /// "SBC sent SIP 503 Service Unavailable (outbound PSTN call)".
    pub fn describe(self) -> String {
        let dir = if self.inbound { "inbound" } else { "outbound" };
        match sip_phrase(self.sip) {
            Some(p) => {
                format!("SBC sent SIP {} {} ({dir} PSTN call)", self.sip, p)
            }
            None if self.sip == 0 => {
                format!("SBC ended the call normally ({dir} PSTN call)")
            }
            None => format!("SBC sent SIP {} ({dir} PSTN call)", self.sip),
        }
    }
}

/// The standard SIP reason phrase for a response code (RFC 3261 and
/// successors), where there is one.
pub fn sip_phrase(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        493 => "Undecipherable",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => return None,
    })
}

/// What a code range means, for `explain`.
pub fn range_meaning(code: i64) -> &'static str {
    match code {
        0 => "0: normal end of a call (also used with many end subcodes)",
        100..=199 => "1xx: provisional response",
        200..=299 => "2xx: success",
        300..=399 => "3xx: redirection",
        400..=499 => "4xx: client error (for PSTN: the call did not connect)",
        500..=599 => "5xx: server error",
        600..=699 => {
            "6xx: global error (busy, declined or rejected everywhere)"
        }
        2000..=9999 => {
            "other: not SIP/HTTP-like (SMS delivery codes are 2000-9999)"
        }
        _ => "other: outside the SIP/HTTP-like ranges",
    }
}

/// The report's advice for a PSTN subcode the catalog has no row for.
pub const PSTN_ADVICE: &str =
    "Look at the SBC and carrier side: the SBC produced this SIP response";
