//! What a text may hold: segments, and the keywords people text back.

/// The GSM 7-bit default alphabet; a text of only these (and the extension below) goes as GSM.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Characters that take two septets (an escape and the character).
const GSM_EXTENSION: &str = "^{}\\[~]|€\x0c";

/// The longest a text of ours may be: two segments.
pub const MAX_SEGMENTS: usize = 2;

/// How a text is encoded, and so how much fits a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    /// Anything outside GSM, Japanese included: 70 characters a segment, 67 when split.
    Ucs2,
}

/// The encoding and length (in septets or UTF-16 units) of a text.
pub fn measure(text: &str) -> (Encoding, usize) {
    let mut septets = 0;
    for ch in text.chars() {
        if GSM_BASIC.contains(ch) {
            septets += 1;
        } else if GSM_EXTENSION.contains(ch) {
            septets += 2;
        } else {
            return (Encoding::Ucs2, text.encode_utf16().count());
        }
    }
    (Encoding::Gsm7, septets)
}

/// How many segments a text is sent in.
pub fn segments(text: &str) -> usize {
    let (encoding, length) = measure(text);
    let (single, part) = match encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    };
    if length <= single {
        1
    } else {
        length.div_ceil(part)
    }
}

/// `body` then `footer` in at most [`MAX_SEGMENTS`], shortening `body` (with "…") if it must:
/// the footer (how to stop) is never cut.
pub fn fit(body: &str, footer: &str) -> String {
    let whole = format!("{body}{footer}");
    if segments(&whole) <= MAX_SEGMENTS {
        return whole;
    }
    let mut kept: Vec<char> = body.chars().collect();
    while !kept.is_empty() {
        kept.pop();
        let shortened = format!("{}…{footer}", kept.iter().collect::<String>().trim_end());
        if segments(&shortened) <= MAX_SEGMENTS {
            return shortened;
        }
    }
    footer.to_owned()
}

/// What a text sent to us asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Stop,
    Start,
    Help,
    /// 「了解」 or "OK": the sender has a team alert sent to this number in hand.
    Ack,
    /// 「話したい」 or TALK: the person asks for someone to call them.
    Talk,
    /// Anything else: not acted on.
    Other,
}

/// Reads the carriers' standard keywords (and 停止), whatever the case or surrounding space.
pub fn keyword(body: &str) -> Keyword {
    let word = body.trim().trim_end_matches(['.', '!', '。', '！']).to_uppercase();
    match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" | "停止" | "ＳＴＯＰ" => Keyword::Stop,
        "START" | "UNSTOP" | "開始" => Keyword::Start,
        "HELP" | "INFO" | "ヘルプ" => Keyword::Help,
        "了解" | "了解です" | "りょうかい" | "OK" | "ＯＫ" => Keyword::Ack,
        "話したい" | "はなしたい" | "TALK" | "ＴＡＬＫ" => Keyword::Talk,
        _ => Keyword::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_is_seventy_characters_a_segment() {
        assert_eq!(segments(&"あ".repeat(70)), 1);
        assert_eq!(segments(&"あ".repeat(71)), 2);
        assert_eq!(segments(&"あ".repeat(134)), 2);
        assert_eq!(segments(&"あ".repeat(135)), 3);
    }

    #[test]
    fn plain_latin_text_is_gsm_with_escapes_counting_twice() {
        assert_eq!(measure("Reply STOP"), (Encoding::Gsm7, 10));
        assert_eq!(measure("[x]"), (Encoding::Gsm7, 5));
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"a".repeat(306)), 2);
        assert_eq!(segments(&"a".repeat(307)), 3);
        // One emoji makes the whole text UCS-2.
        assert_eq!(measure("hi 🙂").0, Encoding::Ucs2);
    }

    #[test]
    fn a_long_text_is_shortened_but_keeps_how_to_stop() {
        let footer = " 停止で配信停止";
        let fitted = fit(&"長".repeat(300), footer);
        assert!(segments(&fitted) <= MAX_SEGMENTS, "{fitted}");
        assert!(fitted.ends_with(footer) && fitted.contains('…'));
        assert_eq!(fit("short", " Reply STOP"), "short Reply STOP");
    }

    #[test]
    fn stop_words_in_any_case_and_in_japanese() {
        for body in ["STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "CANCEL", "end", "QUIT", "停止"] {
            assert_eq!(keyword(body), Keyword::Stop, "{body:?}");
        }
        for body in ["START", "unstop"] {
            assert_eq!(keyword(body), Keyword::Start, "{body:?}");
        }
        assert_eq!(keyword("help"), Keyword::Help);
        for body in ["了解", " 了解。", "ok", "OK!", "ＯＫ"] {
            assert_eq!(keyword(body), Keyword::Ack, "{body:?}");
        }
        assert_eq!(keyword("not ok"), Keyword::Other);
        assert_eq!(keyword("please stop by later"), Keyword::Other);
    }
}
