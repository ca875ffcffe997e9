// What validate checks in a campaign's texts besides the schema (pure; liquidjs only parses and
// renders with sample values):
// - Liquid syntax errors and unknown filters (which only preview and the send path found before);
// - variables that do not exist (`{{ customer.vorname }}`), against render.ts TEMPLATE_VARIABLES;
// - the voice of German content. The content is rendered once per formality the campaign can
//   reach (both, unless template.salutation.formality fixes one), with `customer.formality` set,
//   so `{% if customer.formality == "informal" %}du{% else %}Sie{% endif %}` is judged branch by
//   branch. An informal text must not address the reader with Sie/Ihr/Ihre/Ihnen/…; a formal one
//   not with du/dich/dir/dein/….
//
// How correct German does not trip it:
// - Quoted text is skipped: „…“, “…”, "…", »…«, «…» (a quoted slogan, a product name).
// - Sie-words count only capitalised and mid-sentence. Lower-case sie/ihr/ihre/ihnen mean
//   she/they/her and are fine in both voices; at the start of a sentence (after . ! ? : or a
//   line break, or at the start of the text) the capital says nothing, so it is not judged.
// - du-words have no other meaning, so they count in any case and position (outside quotes): a
//   formal mail that starts a sentence with "Dein Gutschein" is in the wrong voice.
import type { Campaign, Content } from '#core/campaign';
import { createLiquid, TEMPLATE_VARIABLES, type VariableTree } from '#core/render';
import type { Liquid } from 'liquidjs';

export type Formality = 'formal' | 'informal';

const FORMAL_WORDS = new Set(['Sie', 'Ihr', 'Ihre', 'Ihren', 'Ihrem', 'Ihrer', 'Ihres', 'Ihnen']);
const INFORMAL_WORDS = new Set(['du', 'dich', 'dir', 'dein', 'deine', 'deinen', 'deinem', 'deiner', 'deines']);
const QUOTED = /„[^“”"\n]*[“”"]|“[^”\n]*”|"[^"\n]*"|»[^«\n]*«|«[^»\n]*»/g;

/** The words of a plain text that address the reader in the other voice, in order. */
export const wrongVoiceWords = (text: string, formality: Formality): string[] => {
  const unquoted = text.replace(QUOTED, (quoted) => ' '.repeat(quoted.length));
  const found: string[] = [];
  for (const match of unquoted.matchAll(/\p{L}+/gu)) {
    const word = match[0];
    if (formality === 'formal') {
      if (INFORMAL_WORDS.has(word.toLowerCase())) found.push(word);
      continue;
    }
    if (!FORMAL_WORDS.has(word)) continue;
    const before = unquoted.slice(0, match.index).replace(/[\s([{'‚‘"„“»«*•–-]+$/u, '');
    const sentenceStart = before === '' || /[.!?:]$/.test(before) || /\n\s*$/.test(unquoted.slice(0, match.index));
    if (!sentenceStart) found.push(word);
  }
  return found;
};

/** Sample values to render a text with (only formality matters to the voice). */
const sampleScope = (formality: Formality): Record<string, unknown> => ({
  salutation: formality === 'formal' ? 'Sehr geehrte Frau Beispiel,' : 'Liebe Jana,',
  customer: { id: 'c-1', firstName: 'Jana', lastName: 'Beispiel', tier: 'gold', tierName: 'Gold', points: 120, orderCount: 3, formality, attributes: {} },
  shop: { name: 'Shop', url: 'https://shop.example', imprint: '', address: '', email: 'shop@shop.example' },
  links: { unsubscribe: 'https://shop.example/u', preferences: 'https://shop.example/p', confirm: 'https://shop.example/c' },
  coupon: { code: 'CODE1234', value: '15 %', expiresAt: '2025-01-01T00:00:00.000Z', minimumOrder: '25,00 €' },
  reward: { label: '5 €', link: 'https://shop.example/r' },
  occasion: {},
  now: '2025-01-01T00:00:00.000Z',
  locale: 'de-DE',
  timeZone: 'Europe/Berlin',
});

/** The first part of a variable path that is not in the tree, e.g. "customer.vorname"; undefined when known. */
export const unknownVariable = (segments: readonly unknown[], tree: VariableTree = TEMPLATE_VARIABLES): string | undefined => {
  let node: true | 'any' | VariableTree = tree;
  const path: string[] = [];
  for (const segment of segments) {
    if (node === 'any') return undefined;
    if (node === true) return undefined; // e.g. `now.size`: a property of a known value
    if (typeof segment !== 'string') return undefined; // computed index: not checkable
    path.push(segment);
    const next: true | 'any' | VariableTree | undefined = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (next === undefined) return path.join('.');
    node = next;
  }
  return undefined;
};

export interface TextProblem {
  /** Path in the campaign file: "template.content.de.blocks[0].text". */
  path: string;
  message: string;
}

/** The Liquid texts of one content, with their path below the content and a name for messages. */
const textsOf = (content: Content): { path: string; name: string; text: string; prose: boolean }[] => {
  const texts = [
    { path: 'subject', name: 'subject', text: content.subject, prose: true },
    { path: 'preheader', name: 'preheader', text: content.preheader, prose: true },
  ];
  content.blocks.forEach((block, i) => {
    const name = `block ${i + 1} (${block.type})`;
    if ('text' in block && block.text !== undefined) texts.push({ path: `blocks[${i}].text`, name, text: block.text, prose: true });
    if ('label' in block) texts.push({ path: `blocks[${i}].label`, name, text: block.label, prose: true });
    if ('url' in block) texts.push({ path: `blocks[${i}].url`, name, text: block.url, prose: false });
    if ('alt' in block) texts.push({ path: `blocks[${i}].alt`, name, text: block.alt, prose: true });
  });
  if (content.text !== undefined) texts.push({ path: 'text', name: 'plain text', text: content.text, prose: true });
  return texts;
};

let engine: Liquid | undefined;

/** Liquid syntax, unknown variables and (German content) the voice, for one campaign. */
export const campaignTextProblems = (campaign: Campaign): TextProblem[] => {
  engine ??= createLiquid('text');
  const liquid = engine;
  const problems: TextProblem[] = [];
  const fixed = campaign.template.salutation?.formality;
  const formalities: Formality[] = fixed ? [fixed] : ['formal', 'informal'];
  for (const [locale, content] of Object.entries(campaign.template.content)) {
    const german = /^de(?:-|$)/i.test(locale);
    for (const { path, name, text, prose } of textsOf(content)) {
      const at = `template.content.${locale}.${path}`;
      let parsed;
      try {
        parsed = liquid.parse(text);
      } catch (error) {
        problems.push({ path: at, message: `campaign "${campaign.id}", locale ${locale}, ${name}: Liquid syntax error: ${(error as Error).message}` });
        continue;
      }
      const unknown = new Set<string>();
      for (const segments of liquid.globalVariableSegmentsSync(parsed)) {
        const bad = unknownVariable(segments);
        if (bad !== undefined) unknown.add(bad);
      }
      for (const variable of unknown) {
        problems.push({ path: at, message: `campaign "${campaign.id}", locale ${locale}, ${name}: unknown variable "${variable}" (see templates/README.md "Variables")` });
      }
      if (!german || !prose || unknown.size > 0) continue;
      for (const formality of formalities) {
        let rendered: string;
        try {
          rendered = liquid.renderSync(parsed, sampleScope(formality)) as string;
        } catch (error) {
          problems.push({ path: at, message: `campaign "${campaign.id}", locale ${locale}, ${name}: ${(error as Error).message}` });
          break;
        }
        const words = [...new Set(wrongVoiceWords(rendered, formality))];
        if (words.length === 0) continue;
        const voice = formality === 'informal' ? 'informal (du) text addresses the reader with' : 'formal (Sie) text addresses the reader with';
        problems.push({
          path: at,
          message: `campaign "${campaign.id}", locale ${locale}, ${name}: ${voice} ${words.map((w) => `"${w}"`).join(', ')}; write both voices with {% if customer.formality == "informal" %}…{% else %}…{% endif %}`,
        });
      }
    }
  }
  return problems;
};
