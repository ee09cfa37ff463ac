// ChatGPT answers that cite web pages, written by hand in the two shapes exports have used:
//   - 2023–24: bracket markers in the text ("【3:0†source】"), the sources in the answer's
//     metadata.citations (positions in code points, as Python counts) and in the browsing
//     results the tool message recorded (`_cite_metadata.metadata_list`);
//   - 2025: private-use markers ("\uE200cite\uE202turn0search0\uE201"), the sources in
//     metadata.content_references (matched by the marker's text), with entity and link-list
//     marks of the same kind.
// Some markers name sources the export does not record: they must go without a trace.

import { conversation } from "./chatgpt-sample.ts";

const results = [
  [
    "Signal Sciences - Crunchbase Company Profile",
    "https://www.crunchbase.com/organization/signal-sciences",
  ],
  ["Demand More from Your WAF - Signal Sciences", "https://www.signalsciences.com/"],
  [
    "Security at Scale: Fastly to acquire Signal Sciences",
    "https://www.fastly.com/blog/intent-to-acquire",
  ],
  ["Web Application and API Protection", "https://www.signalsciences.com/products/"],
  [
    "Fastly Completes Acquisition of Signal Sciences",
    "https://www.fastly.com/press/acquisition-complete",
  ],
  [
    "Signal Sciences: enterprises overlook web app security",
    "https://www.techtarget.com/signal-sciences",
  ],
  [
    "Fastly Agrees to Acquire Signal Sciences for $775 Million",
    "https://www.cooley.com/news/fastly-signal-sciences",
  ],
  ["Search results for query: 'Signal Sciences'", ""],
].map(([title, url]) => ({ type: "webpage", title, url, text: "…", pub_date: null, extra: null }));

/** The old answer's text, and where each cited marker sits in it (code points, not UTF-16). */
const OLD_TEXT =
  "🔐 Signal Sciences was founded in 2014【3:0†source】【3:1†source】. Fastly bought it in 2020【3:4†source】; more in the press【6†source】. A note from your file【4:2†notes.pdf】. An unknown one【9†source】.";

function citation(marker: string, resultIndex: number) {
  const at = OLD_TEXT.indexOf(marker);
  const start = Array.from(OLD_TEXT.slice(0, at)).length;
  const result = results[resultIndex] as (typeof results)[number];
  return {
    start_ix: start,
    end_ix: start + Array.from(marker).length,
    citation_format_type: "tether_og",
    metadata: {
      type: "webpage",
      title: result.title,
      url: result.url,
      text: "",
      pub_date: null,
      extra: { evidence_text: "source", cited_message_idx: 3, search_result_idx: resultIndex },
    },
  };
}

const OLD = conversation({
  id: "cit-old",
  title: "Signal Sciences",
  created: 0,
  updated: 100,
  currentNode: "a-answer",
  model: "gpt-4",
  nodes: [
    { id: "root", parent: null, children: ["u-q"] },
    {
      id: "u-q",
      parent: "root",
      children: ["a-call"],
      role: "user",
      at: 1,
      content: { content_type: "text", parts: ["Who founded Signal Sciences?"] },
    },
    {
      id: "a-call",
      parent: "u-q",
      children: ["t-results"],
      role: "assistant",
      at: 2,
      recipient: "browser",
      content: { content_type: "code", language: "unknown", text: 'search("Signal Sciences")' },
    },
    {
      id: "t-results",
      parent: "a-call",
      children: ["a-answer"],
      role: "tool",
      at: 3,
      content: { content_type: "tether_browsing_display", result: "# 【0†…】", summary: null },
      metadata: {
        _cite_metadata: {
          citation_format: { name: "tether_og" },
          metadata_list: results,
          original_query: null,
        },
        command: "search",
      },
    },
    {
      id: "a-answer",
      parent: "t-results",
      children: [],
      role: "assistant",
      at: 4,
      content: { content_type: "text", parts: [OLD_TEXT] },
      metadata: {
        finish_details: { type: "stop" },
        citations: [
          citation("【3:0†source】", 0),
          citation("【3:1†source】", 1),
          citation("【3:4†source】", 4),
        ],
        model_slug: "gpt-4",
      },
    },
  ],
});

const cite = (...refs: string[]) => `\uE200cite\uE202${refs.join("\uE202")}\uE201`;
const ENTITY = '\uE200entity\uE202["city","Lisbon","capital of Portugal"]\uE201';
const NAVLIST = "\uE200navlist\uE202Related reading\uE202turn0news3\uE201";
const wikipedia = {
  title: "History of Lisbon trams",
  url: "https://en.wikipedia.org/wiki/Trams_in_Lisbon",
  attribution: "Wikipedia",
};

const NEW_TEXT = `${ENTITY} has had trams since 1873.${cite("turn0search0")} Tram 28 is the classic route.${cite("turn0search1", "turn0news2")} Trams are cheap.${cite("turn0search0")} Buy a Viva Viagem card.${cite("turn0search9")}\n\n${NAVLIST}`;

const NEW = conversation({
  id: "cit-new",
  title: "Lisbon trams",
  created: 1_000,
  updated: 1_100,
  currentNode: "n-answer",
  model: "gpt-4o",
  nodes: [
    { id: "n-root", parent: null, children: ["n-q"] },
    {
      id: "n-q",
      parent: "n-root",
      children: ["n-answer"],
      role: "user",
      at: 1_001,
      content: { content_type: "text", parts: ["Tell me about Lisbon's trams."] },
    },
    {
      id: "n-answer",
      parent: "n-q",
      children: [],
      role: "assistant",
      at: 1_005,
      content: { content_type: "text", parts: [NEW_TEXT] },
      metadata: {
        citations: [],
        content_references: [
          { matched_text: ENTITY, type: "entity", name: "Lisbon", alt: null },
          {
            matched_text: cite("turn0search0"),
            type: "grouped_webpages",
            items: [wikipedia],
            refs: [{ turn_index: 0, ref_type: "search", ref_index: 0 }],
          },
          {
            matched_text: cite("turn0search1", "turn0news2"),
            type: "grouped_webpages",
            items: [
              {
                title: "Tram 28 [official]",
                url: "https://www.visitlisboa.com/tram-28",
                attribution: "Visit Lisboa",
                supporting_websites: [],
              },
              {
                title: "",
                url: "https://news.example.org/lisbon/trams?from=chatgpt",
                attribution: "",
              },
            ],
          },
          { matched_text: cite("turn0search0"), type: "grouped_webpages", items: [wikipedia] },
          { matched_text: NAVLIST, type: "nav_list", items: [] },
          { matched_text: " ", type: "sources_footnote", sources: [wikipedia] },
        ],
        model_slug: "gpt-4o",
      },
    },
  ],
});

export const CHATGPT_CITATIONS_SAMPLE = [OLD, NEW];

/** What the answers read as once imported. */
export const CITED_OLD = [
  "🔐 Signal Sciences was founded in 2014 [[1]](https://www.crunchbase.com/organization/signal-sciences)[[2]](https://www.signalsciences.com/). Fastly bought it in 2020 [[3]](https://www.fastly.com/press/acquisition-complete); more in the press [[4]](https://www.cooley.com/news/fastly-signal-sciences). A note from your file. An unknown one.",
  "",
  "**Sources**",
  "",
  "1. [Signal Sciences - Crunchbase Company Profile](https://www.crunchbase.com/organization/signal-sciences)",
  "2. [Demand More from Your WAF - Signal Sciences](https://www.signalsciences.com/)",
  "3. [Fastly Completes Acquisition of Signal Sciences](https://www.fastly.com/press/acquisition-complete)",
  "4. [Fastly Agrees to Acquire Signal Sciences for $775 Million](https://www.cooley.com/news/fastly-signal-sciences)",
].join("\n");

export const CITED_NEW = [
  "Lisbon has had trams since 1873. [[1]](https://en.wikipedia.org/wiki/Trams_in_Lisbon) Tram 28 is the classic route. [[2]](https://www.visitlisboa.com/tram-28)[[3]](https://news.example.org/lisbon/trams?from=chatgpt) Trams are cheap. [[1]](https://en.wikipedia.org/wiki/Trams_in_Lisbon) Buy a Viva Viagem card.",
  "",
  "**Sources**",
  "",
  "1. [History of Lisbon trams](https://en.wikipedia.org/wiki/Trams_in_Lisbon)",
  "2. [Tram 28 \\[official\\]](https://www.visitlisboa.com/tram-28)",
  "3. [news.example.org](https://news.example.org/lisbon/trams?from=chatgpt)",
].join("\n");
