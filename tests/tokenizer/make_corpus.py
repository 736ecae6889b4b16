#!/usr/bin/env python3
"""Writes tests/tokenizer/corpus.jsonl: the golden-corpus texts for the HF tokenizer parity test.

Deterministic (fixed seed). Hand-written texts cover named cases; generated ones mix scripts, marks,
controls, whitespace and punctuation at random. Run: /usr/bin/python3 tests/tokenizer/make_corpus.py
"""
import json
import os
import random

rng = random.Random(20261127)
texts = []

# --- hand-written cases -------------------------------------------------------------------------
texts += [
    "",
    " ",
    "\t\n\r ",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "HELLO World MiXeD CaSe",
    "Agent agent-7 requested elevated privileges for policy P-1234 at 2025-01-01T00:00:00Z.",
    "Constitutional hash cdd01ef066bc6cf2 verified; message routed to the deliberation layer.",
    "unaffable unbelievably tokenization preprocessing",
    "Café naïve résumé façade coöperate jalapeño São Paulo Zürich",
    "ÀÁÂÃÄÅ àáâãäå ÇçÑñ ŒœÆæ Øø ß ẞ",
    "Ångström Œuvre İstanbul ıi ǅungla ǈ ǋ",
    "ΑΒΓΔ Σίσυφος ΣΑΣ Ὀδυσσεύς ἀνήρ",
    "Привет, мир! Ёлка ёжик Й й",
    "Ελληνικά και русский и English",
    "中文分词测试：我爱北京天安门。",
    "日本語のテキスト、カタカナとひらがな。漢字も。",
    "ｶﾀｶﾅ ﾊﾝｶｸ half-width katakana ｱｲｳ",
    "한국어 텍스트입니다. 안녕하세요!",
    "𠀀𠀁 𪜀 𫝀 𫠠 𬺰 丽 CJK extensions B-F and compatibility 豈 更",
    "العربية: مرحبا بالعالم! ٠١٢٣٤٥٦٧٨٩",
    "עברית: שָׁלוֹם עוֹלָם",
    "हिन्दी पाठ: नमस्ते दुनिया। क़ ख़",
    "ภาษาไทย สวัสดีครับ",
    "ქართული ენა, Հայերեն լեզու",
    "Tiếng Việt: Xin chào thế giới, người Việt Nam",
    "Emoji: 😀 😃 🎉 👍🏽 🥰 🧋 🫠",
    "ZWJ sequences: 👨‍👩‍👧‍👦 👩🏽‍💻 🏳️‍🌈 🧑‍🤝‍🧑",
    "Flags: 🇺🇸 🇩🇪 🇯🇵 keycap 1️⃣ #️⃣",
    "Zero\u200bwidth\u200cjoiners\u200dand\u2060word\ufeffjoiner",
    "soft\u00adhyphen and\u00a0nbsp and\u2007figure\u202fspace",
    "control\u0000chars\u0001\u0002\u0007\u001b[31m\u007f\u0080\u009f end",
    "bidi \u202aLRE\u202b RLE\u202c PDF \u200eLRM\u200f RLM \u2066isolate\u2069",
    "replacement char \ufffd here \ufffd\ufffd",
    "private use \ue000\uf8ff \U000f0000 \U0010fffd",
    "noncharacters \ufdd0 \ufffe \uffff \U0001fffe",
    "unassigned \u0378 \u0560 \U0002fffd \U000e0000",
    "tags \U000e0041\U000e0042 \U000e007f variation\ufe0f selector\ufe0e",
    "Math: ∀x∈ℝ, ∃y: x²+y²≤1 ⇒ √(x·y) ≠ ∞ ∑∫∂∇ ≈ ≡ ⊂ ⊕ ⊗",
    "Arrows and symbols: ← ↑ → ↓ ↔ ⇐ ⇔ ★ ☆ ♠ ♥ © ® ™ ° ± § ¶ † ‡",
    "Currency: $100 €200 £300 ¥400 ₹500 ₿0.01 ¢ ₩ ₽",
    "Quotes: «guillemets» „German“ ‚single‘ “double” ‘single’ 「かぎ」『二重』",
    "Dashes: - – — ― ‐ ‑ ⸺ ⸻ 〜 ・ ･",
    "Punctuation of scripts: ¿Qué? ¡Hola! ; ، ؛ ؟ ۔ । ॥ ። ፣ ፤ ၊ ။ ។ ៕ ༄ ༅ ᠁ ᠂ ᠃ 、。〃〈〉《》「」",
    "More punctuation: ‰ ‱ ′ ″ ‴ ‵ ‸ ※ ‼ ‽ ⁂ ⁇ ⁈ ⁉ ⁏ ⁕ ⸮ ⸘ ⸜ ⸝ ⹂ ⹃ ⹕ ⹖ ⹗ ⹝ 𐩐 𑁇 𖩮 𝪋",
    "Changed categories: ᙭ 𑇉 ꧞ ⸺ ߽ ৽ ૰",
    "ASCII punct: !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "Numbers: 0 12 345 6789 3.14159 -42 1e10 1,000,000 ½ ¾ ² ³ ① ⑩ Ⅻ 𝟙",
    "Fullwidth: ＡＢＣ ａｂｃ １２３ ！？（） ／＼",
    "URL: https://example.com/path/to/page?query=1&lang=en#section-2",
    "Email: first.last+tag@sub.example.co.uk, mailto:admin@acgs.dev",
    "Code: def f(x): return x**2 if x > 0 else -x  # comment",
    "C++: std::vector<int> v{1, 2, 3}; for (auto& x : v) x <<= 1;",
    "JSON: {\"key\": [1, 2, {\"nested\": null}], \"flag\": true}",
    "Path: C:\\Users\\admin\\Documents\\file.txt and /usr/local/bin/acgs-infer",
    "Hashtags #AI #MachineLearning and mentions @user_name",
    "Combining: e\u0301 a\u0308 o\u0302\u0323 n\u0303 c\u0327 A\u030a q\u0307\u0323 x\u0335\u0336",
    "Reordering: a\u0323\u0301 a\u0301\u0323 u\u031b\u0309\u0323 e\u0316\u0301\u0300",
    "Stacked marks: Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA\u036b\u0357\u0334\u0362\u0335\u031c\u0330\u0354L\u0368\u0367\u0369\u0358\u0320G\u0311\u0357\u030e\u0305\u035b\u0341\u0334\u033b\u0348\u034d\u0354\u0339O\u0342\u030c\u030c\u0358\u0328\u0335\u0339\u033b\u031d\u0333",
    "Lone marks: \u0301 \u0308abc \u20dd \u0489 \u0903 \u093e \u0bcd",
    "Spacing marks: क\u093e क\u093f क\u0940 ক\u09be ள\u0bbe ม\u0e31",
    "Hangul jamo: \u1100\u1161\u11a8 \u3131\u314f and syllables 각 힣 가",
    "Dotted I: İ i̇ I ı ǰ ΐ ΰ ﬁ ﬀ ﬃ ŉ",
    "Final sigma: ΟΔΟΣ ΟΔΟΣ. ὈΔΥΣΣΕΎΣ",
    "Unicode 16 case pairs: \ua7cb \ua7cc \ua7da \ua7dc \U00010d50 \U00016ea0",
    "Decomposition drift: \U00011938 \U00011935\U00011930 \u0344 \u0f73 \u1f82",
    "Special tokens inline: hello [MASK] world [SEP] x[CLS]y [PAD][UNK]",
    "Not special: [mask] [ CLS ] [CLS [SEP[MASK]]",
    "Repeated!!!!!!!!!!!! punctuation??????? and......dots",
    "Apostrophes: don't can't won't it's O'Reilly rock'n'roll",
    "Hyphens: state-of-the-art well-known e-mail re-enter",
    "Whitespace run:     many     spaces\t\ttabs\n\nnewlines\r\n\r\nCRLF",
    "Every Unicode whitespace:" + "".join("x" + chr(c) for c in [
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
        0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0x180E,
        0x200B, 0xFEFF]) + "x",
    "Box drawing ─│┌┐└┘├┤┬┴┼ and blocks ░▒▓█▄▀",
    "Braille ⠓⠑⠇⠇⠕ and musical 𝄞 𝄢 𝅘𝅥𝅮",
    "Ancient: 𐌰𐌱𐌲 𓀀𓀁 𒀀 ᚠᚢᚦ",
    "Mongolian ᠮᠣᠩᠭᠣᠯ and Tibetan བོད་ཡིག་ and Khmer ភាសាខ្មែរ",
    "Ethiopic ሰላም ዓለም። Cherokee ᏣᎳᎩ",
    "Superscripts x⁰¹²³⁴⁵⁶⁷⁸⁹ subscripts H₂O CO₂",
    "Ligatures ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ Ǳ ǲ ǳ",
    "Roman numerals Ⅰ Ⅱ Ⅲ ⅰ ⅱ ⅲ Ⅽ ⅽ",
    "Circled Ⓐ Ⓑ ⓐ ⓑ Enclosed 🄰 🅰",
    "Math alphanumerics 𝐀𝐁𝐂 𝑎𝑏𝑐 𝔄𝔅 𝕬 𝖆 𝘢 𝙖 𝚊",
    "Deseret 𐐀𐐁 𐐨𐐩 Osage 𐒰 Adlam 𞤀𞤢 Vithkuqi 𐕰",
]

# Words longer than max_input_chars_per_word (100) and right at the edge.
texts += [
    "a" * 99, "b" * 100, "c" * 101, "d" * 250,
    "supercalifragilistic" * 5, "supercalifragilistic" * 5 + "x",
    "é" * 100, "é" * 101, "中" * 150, "ab-" * 60,
    "word " + "x" * 120 + " word",
    "ʼ" * 101, "\u0301" * 120 + "z",
]

# Long texts: over 512 tokens.
lorem = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore "
         "et dolore magna aliqua. ")
texts += [
    lorem * 12,
    ("The agent bus delivers messages between autonomous agents; each message carries a constitutional "
     "hash, a priority and a payload that the impact scorer reads. ") * 15,
    " ".join(str(i) for i in range(700)),
    "。".join("東京都の天気" for _ in range(120)),
    "!?" * 400,
]

# --- generated cases ----------------------------------------------------------------------------
words = ["policy", "agent", "message", "deliberation", "unverified", "escalate", "Governance", "HASH",
         "constitutional", "bus", "priority", "ACGS-2", "tokenizer", "embedding", "Ünïcödé", "naïveté",
         "über", "straße", "déjà-vu", "東京", "서울", "Москва", "Αθήνα", "القاهرة", "ירושלים", "मुंबई",
         "co-operate", "e-mail", "don't", "3.14", "42", "#1", "@bot", "x86_64", "C++", "node.js"]
pools = {
    "latin_accents": "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿāăąćĉċčďđēĕėęěĝğġģĥħĩīĭįıĳĵķĸĺļľŀłńņňŉŋōŏőœŕŗřśŝşšţťŧũūŭůűųŵŷźżžſ",
    "greek": "αβγδεζηθικλμνξοπρςστυφχψωάέήίόύώϊϋΐΰΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ",
    "cyrillic": "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯіїєґ",
    "cjk": "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从",
    "kana": "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコガギグゲゴパピプペポッャュョー",
    "hangul": "가나다라마바사아자차카타파하각난닫랄맘밥삿앙잦찿캌탙팦핳한국어글",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئةىًٌٍَُِّْ",
    "devanagari": "अआइईउऊऋएऐओऔकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसहािीुूृेैोौंःँ्",
    "emoji": "😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰🙂🤗🤩🤔🤨😐😑😶🙄😏😣😥😮🤐😯😪😫🥱😴😌😛😜😝🤤😒😓😔😕🙃🤑😲🙁😖😞😟😤😢😭😦😧😨😩🤯😬😰😱🥵🥶😳🤪😵🥴😠😡🤬😷🤒🤕🤢🤮🤧😇🥳🥸🤠🤡🤥🤫🤭🧐🤓😈👿👹👺💀👻👽🤖💩😺🫠🫢🫣🫡🫥🫤🥹",
    "punct": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡¦§¨©«¬®¯°±´¶·¸»¿×÷‐‑‒–—―‖‗‘’‚‛“”„‟†‡•‣․‥…‧‰‱′″‴‵‶‷‸‹›※‼‽‾‿⁀⁁⁂⁃⁄⁅⁆⁇⁈⁉⁊⁋⁌⁍⁎⁏⁐⁑⁒⁓⁔⁕⁖⁗⁘⁙⁚⁛⁜⁝⁞、。〃〈〉《》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟〰〽゠・﹐﹑﹒﹔﹕﹖﹗！＂＃％＆＇（）＊，－．／：；？＠［＼］＿｛｝｡｢｣､･",
    "marks": "\u0300\u0301\u0302\u0303\u0304\u0306\u0307\u0308\u030a\u030b\u030c\u0323\u0327\u0328\u0331\u0338\u034f\u0361\u0489\u05b0\u05bc\u0610\u064b\u0670\u0901\u0902\u0903\u093c\u093e\u094d\u0e31\u0e47\u1ab0\u1dc0\u20d0\u20dd\u20e3\ufe20\u302a\u3099\u309a",
    "space": "\t\n\r\x0b\x0c \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000",
    "control": "\x00\x01\x02\x03\x07\x08\x0e\x1b\x1f\x7f\x80\x9f\xad\u0600\u061c\u06dd\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2060\u2061\u2064\u2066\u2069\ufeff\ufff9\ufffb\ufffd\ue000\U000e0001\U000e0020",
    "math": "∀∁∂∃∄∅∆∇∈∉∊∋∌∍∎∏∐∑−∓∔∕∖∗∘∙√∛∜∝∞∟∠∡∢∣∤∥∦∧∨∩∪∫∬∭∮∯∰∱∲∳∴∵∶∷∸∹∺∻∼∽∾∿≀≁≂≃≄≅≆≇≈≉≊≋≌≍≎≏≐≠≡≢≣≤≥⊂⊃⊄⊅⊆⊇⊕⊖⊗⊘⊙⌈⌉⌊⌋⟨⟩⟦⟧⦃⦄⦅⦆",
    "ascii": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
}
names = sorted(pools)

def random_text(n_parts):
    parts = []
    for _ in range(n_parts):
        kind = rng.random()
        if kind < 0.35:
            parts.append(rng.choice(words))
        else:
            pool = pools[rng.choice(names)]
            parts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 8))))
        parts.append(rng.choice([" ", " ", " ", "", "\t", "\n", "\u3000", "-", ", "]))
    return "".join(parts).strip(" ") if rng.random() < 0.5 else "".join(parts)

for i in range(180):
    texts.append(random_text(rng.randint(1, 30)))

# Single pools in isolation, upper- and lower-cased words.
for name in names:
    pool = pools[name]
    texts.append("".join(rng.choice(pool) for _ in range(40)))
    texts.append(" ".join("".join(rng.choice(pool) for _ in range(rng.randint(1, 6))) for _ in range(12)))
for w in words:
    texts.append(f"{w.upper()} {w.lower()} {w.title()}")

# Random code points from the whole Unicode range (valid scalar values only).
def random_codepoint():
    while True:
        cp = rng.choice([rng.randint(0x20, 0x7F), rng.randint(0x80, 0x7FF), rng.randint(0x800, 0xFFFF),
                         rng.randint(0x10000, 0x10FFFF), rng.randint(0x1F000, 0x1FAFF)])
        if not 0xD800 <= cp <= 0xDFFF:
            return chr(cp)

for i in range(40):
    texts.append("".join(random_codepoint() for _ in range(rng.randint(1, 60))))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.jsonl")
with open(out, "w", encoding="utf-8") as f:
    for t in texts:
        f.write(json.dumps({"text": t}, ensure_ascii=True) + "\n")
print(f"wrote {len(texts)} texts to {out}")
