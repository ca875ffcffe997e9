// The template compiler (publish/preview time, never the send path): a campaign's content blocks
// for one locale + a layout from templates/ -> MJML -> HTML -> plain text, all still holding
// Liquid, checked and packed into a serializable CompiledTemplate (core/render) that the send
// path renders per recipient without MJML.
//
// Liquid is swapped for inert tokens (SKLQ<n>QKS) while MJML and html-to-text run, so neither can
// mangle tags inside attributes or text, and swapped back afterwards.
//
// Safety of what the campaign writes (the render path HTML-escapes every Liquid output on top):
// - Text blocks may hold inline HTML: it goes through sanitize-html with an allowlist
//   (TEXT_ALLOWLIST); anything outside it is a compile error naming the tag or attribute, and is
//   removed from the output in any case.
// - Links (href, image src): https/http/mailto only; the host is written out, never Liquid
//   (customer data must not choose where a link goes); every Liquid output after the host is
//   URL-encoded at render time (`| uri_component` is appended at compile time).
import { readFile, readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type mjml2html from 'mjml';
import sanitizeHtml from 'sanitize-html';
import { convert } from 'html-to-text';
import type { HtmlToTextOptions } from 'html-to-text';
import type { Block, Campaign, Content, Template, Variant } from '#core/campaign';
import { variantOverrides, variantTemplate, variantTemplateKey } from '#core/experiments';
import { createLiquid } from '#core/render';
import { ShopInfo, type CompiledTemplate, type LinkEntry } from '#core/render';
import { salutationLanguage } from '#core/salutation';

/**
 * MJML (0.4 s to load) only where templates are compiled: a replay worker or a send function
 * gets compiled templates and never loads it.
 */
let mjmlModule: Promise<typeof mjml2html> | undefined;
const loadMjml = () => (mjmlModule ??= import('mjml').then((m) => m.default));

/** templates/ at the repository root. */
export const defaultTemplatesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../templates');

export interface CompileIssue {
  /** JSON path in the campaign file ("template.content.de.blocks[2].url") or a template file. */
  path: string;
  message: string;
}

export class TemplateCompileError extends Error {
  constructor(readonly issues: CompileIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    this.name = 'TemplateCompileError';
  }
}

export interface CompileOptions {
  /** Folder with layouts/, partials/, locales/ (default: the repository's templates/). */
  templatesDir?: string;
}

/** Variables a URL may consist of alone (links that are not written into the campaign). */
const LINK_VARIABLES = new Set(['links.unsubscribe', 'links.preferences', 'links.confirm', 'reward.link', 'choice.link', 'shop.url']);
const ALLOWED_SCHEME = /^(https?:\/\/|mailto:)/i;
const LIQUID = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** The scheme and host of a URL (`https://host`, `mailto:address`): where Liquid may not appear. */
const URL_ORIGIN = /^(?:https?:\/\/[^/?#]*|mailto:[^?#]*)/i;

/** Checks one href/src: an allowed scheme with a written-out host, or exactly one known link variable. */
export const checkLinkUrl = (url: string): string | undefined => {
  const trimmed = url.trim();
  if (ALLOWED_SCHEME.test(trimmed)) {
    const origin = URL_ORIGIN.exec(trimmed)?.[0] ?? '';
    const liquid = origin.match(LIQUID);
    if (liquid) {
      return `link "${trimmed.slice(0, 80)}": the host comes from Liquid (${liquid[0]}); write the host out and put values in the path or query, so customer data cannot choose where a link goes`;
    }
    return undefined;
  }
  const onlyVariable = /^\{\{\s*([a-z][\w.]*)\s*\}\}$/i.exec(trimmed);
  if (onlyVariable && LINK_VARIABLES.has(onlyVariable[1] as string)) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
  return scheme
    ? `link scheme "${scheme}:" is not allowed; use https, http or mailto`
    : `link "${trimmed.slice(0, 80)}" must start with https://, http:// or mailto: (or be {{ links.unsubscribe }}, {{ links.preferences }}, {{ reward.link }}, {{ shop.url }})`;
};

/**
 * A checked link with every Liquid output after the host URL-encoded at render time, so a value
 * such as `a&b=c` or `"><svg` stays one query value. A link that is one link variable (our own
 * full URLs) is kept as written.
 */
export const encodeLinkValues = (url: string): string => {
  const trimmed = url.trim();
  const origin = URL_ORIGIN.exec(trimmed)?.[0];
  if (origin === undefined) return trimmed;
  const rest = trimmed.slice(origin.length).replace(/\{\{(-?)([\s\S]*?)(-?)\}\}/g, (tag, open: string, expression: string, close: string) =>
    /\|\s*uri_component\s*$/.test(expression) ? tag : `{{${open}${expression.trimEnd()} | uri_component ${close}}}`,
  );
  return origin + rest;
};

/** Inline HTML a text block may hold; sanitize-html removes the rest (and compile reports it). */
const TEXT_ALLOWLIST: sanitizeHtml.IOptions = {
  allowedTags: ['a', 'b', 'strong', 'i', 'em', 'u', 's', 'small', 'sup', 'sub', 'br', 'span', 'p', 'ul', 'ol', 'li', 'blockquote'],
  allowedAttributes: { a: ['href', 'title', 'target', 'rel'], '*': ['style'] },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  allowedStyles: {
    '*': {
      color: [/^#[0-9a-f]{3,8}$/i, /^[a-z]+$/i],
      'font-weight': [/^(bold|normal|[1-9]00)$/],
      'font-style': [/^(italic|normal)$/],
      'text-decoration': [/^(underline|none|line-through)$/],
      'font-size': [/^\d{1,2}(px|em|%)$/],
      'text-align': [/^(left|right|center)$/],
    },
  },
  disallowedTagsMode: 'discard',
};
const allowedTextTags = new Set(TEXT_ALLOWLIST.allowedTags as string[]);
const allowedTextAttributes = (tag: string): string[] => {
  const attributes = TEXT_ALLOWLIST.allowedAttributes as Record<string, string[]>;
  return [...(attributes[tag] ?? []), ...(attributes['*'] ?? [])];
};

/** Swaps Liquid for tokens and back. One instance per compile. */
class LiquidShield {
  private readonly sources: string[] = [];

  protect(s: string): string {
    return s.replace(LIQUID, (tag) => {
      this.sources.push(tag);
      return `SKLQ${this.sources.length - 1}QKS`;
    });
  }

  /** One token for the whole text (Liquid and words): MJML and the text wrap see one word. */
  protectWhole(s: string): string {
    this.sources.push(s);
    return `SKLQ${this.sources.length - 1}QKS`;
  }

  restore(s: string): string {
    return s.replace(/SKLQ(\d+)QKS/g, (token, n: string) => this.sources[Number(n)] ?? token);
  }
}

interface Layout {
  mjml: string;
  strings: Record<string, string>;
}

const readLocaleStrings = async (dir: string, language: string): Promise<Record<string, string>> => {
  const file = join(dir, 'locales', `${language}.json`);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    return language === 'en' ? {} : readLocaleStrings(dir, 'en');
  }
  return JSON.parse(raw) as Record<string, string>;
};

/** The layout with its <mj-include>s inlined (only files inside the templates folder). */
const readLayout = async (dir: string, layout: string, language: string): Promise<Layout> => {
  const layoutsDir = join(dir, 'layouts');
  const file = join(layoutsDir, `${layout}.mjml`);
  let mjml: string;
  try {
    mjml = await readFile(file, 'utf8');
  } catch {
    const known = (await readdir(layoutsDir).catch(() => [] as string[])).filter((f) => f.endsWith('.mjml')).map((f) => f.slice(0, -5));
    throw new TemplateCompileError([
      { path: 'template.layout', message: `unknown layout "${layout}" (known: ${known.join(', ') || 'none'})` },
    ]);
  }
  const root = resolve(dir) + sep;
  const includes = [...mjml.matchAll(/<mj-include\s+path="([^"]+)"\s*\/>/g)];
  for (const [tag, path] of includes) {
    const target = resolve(layoutsDir, path as string);
    if (!target.startsWith(root)) {
      throw new TemplateCompileError([{ path: `layout ${layout}`, message: `include "${path}" is outside the templates folder` }]);
    }
    const partial = await readFile(target, 'utf8').catch(() => {
      throw new TemplateCompileError([{ path: `layout ${layout}`, message: `include "${path}" not found` }]);
    });
    mjml = mjml.replace(tag, partial);
  }
  return { mjml, strings: await readLocaleStrings(dir, language) };
};

/** Reads templates/shop.json (the sender's name, imprint, address). */
export const loadShopInfo = async (options: CompileOptions = {}): Promise<ShopInfo> => {
  const file = join(options.templatesDir ?? defaultTemplatesDir, 'shop.json');
  const parsed = ShopInfo.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
};

interface BlockContext {
  path: string;
  shield: LiquidShield;
  links: { url: string; path: string }[];
  issues: CompileIssue[];
  strings: Record<string, string>;
}

/** Checks a link; returns it as the HTML should carry it (values URL-encoded), recording it in the link table. */
const checkLink = (ctx: BlockContext, url: string, path: string): string => {
  const problem = checkLinkUrl(url);
  const encoded = encodeLinkValues(url);
  if (problem) ctx.issues.push({ path, message: problem });
  else ctx.links.push({ url: encoded, path });
  return encoded;
};

/** Marketer-written text: inline HTML within TEXT_ALLOWLIST, links checked and their values URL-encoded. */
const richText = (ctx: BlockContext, text: string, path: string): string => {
  const refused = new Set<string>();
  const clean = sanitizeHtml(ctx.shield.protect(text), {
    ...TEXT_ALLOWLIST,
    // Links as the parser reads them (quoted or not, entities decoded): checked, values encoded.
    transformTags: {
      '*': (tagName, attribs) => {
        if (!allowedTextTags.has(tagName)) return { tagName, attribs };
        const next = { ...attribs };
        for (const name of ['href', 'src']) {
          const value = next[name];
          if (value !== undefined) next[name] = ctx.shield.protect(checkLink(ctx, ctx.shield.restore(value), path));
        }
        return { tagName, attribs: next };
      },
    },
    onOpenTag: (tag, attributes) => {
      if (!allowedTextTags.has(tag)) {
        refused.add(`tag <${tag}>`);
        return;
      }
      const allowed = allowedTextAttributes(tag);
      for (const name of Object.keys(attributes)) if (!allowed.includes(name)) refused.add(`attribute "${name}" on <${tag}>`);
    },
  });
  if (refused.size > 0) {
    ctx.issues.push({ path, message: `text may not contain ${[...refused].join(', ')} (allowed: ${[...allowedTextTags].map((t) => `<${t}>`).join(' ')}; attributes href, title, target, rel on <a>, style)` });
  }
  const paragraphs = clean
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p style="margin:0 0 12px 0;">${p.replace(/\n/g, '<br />')}</p>`);
  return paragraphs.join('');
};

const plain = (ctx: BlockContext, text: string): string => escapeHtml(ctx.shield.protect(text));
const attr = (ctx: BlockContext, value: string): string => escapeHtml(ctx.shield.protect(value.trim()));
/**
 * A layout string in the mail's voice: `key@informal` in locales/<language>.json is the du form
 * of `key` (the Sie form); with both, the mail chooses by `customer.formality` at render time.
 */
const voicedString = (strings: Record<string, string>, key: string, shield: LiquidShield): string | undefined => {
  const formal = strings[key];
  if (formal === undefined) return undefined;
  const informal = strings[`${key}@informal`];
  if (informal === undefined || informal === formal) return escapeHtml(formal);
  return shield.protectWhole(`{% if customer.formality == "informal" %}${escapeHtml(informal)}{% else %}${escapeHtml(formal)}{% endif %}`);
};

const t = (ctx: BlockContext, key: string): string => voicedString(ctx.strings, key, ctx.shield) ?? escapeHtml(key);

const section = (inner: string): string => `<mj-section><mj-column>${inner}</mj-column></mj-section>`;

const blockMjml = (block: Block, ctx: BlockContext): string => {
  const { path } = ctx;
  switch (block.type) {
    case 'heading':
      return section(`<mj-text css-class="sk-heading" padding="16px 28px 4px 28px"><h2>${plain(ctx, block.text)}</h2></mj-text>`);
    case 'text':
      return section(`<mj-text>${richText(ctx, block.text, `${path}.text`)}</mj-text>`);
    case 'button': {
      const url = checkLink(ctx, block.url, `${path}.url`);
      return section(`<mj-button href="${attr(ctx, url)}">${plain(ctx, block.label)}</mj-button>`);
    }
    case 'image': {
      const href = block.href === undefined ? '' : ` href="${attr(ctx, checkLink(ctx, block.href, `${path}.href`))}"`;
      const srcProblem = /^https:\/\//i.test(block.src.trim()) ? checkLinkUrl(block.src) : 'images must be https URLs';
      if (srcProblem) ctx.issues.push({ path: `${path}.src`, message: srcProblem });
      return section(`<mj-image src="${attr(ctx, encodeLinkValues(block.src))}" alt="${attr(ctx, block.alt)}"${href} />`);
    }
    case 'divider':
      return section('<mj-divider />');
    case 'coupon': {
      // The box below prints the code; the same code in the block's own text showed it twice.
      if (block.text !== undefined && /\{\{-?\s*coupon\.code\b/.test(block.text)) {
        ctx.issues.push({ path: `${path}.text`, message: 'shows {{ coupon.code }}, which the coupon block prints itself: leave it out of the text (it would appear twice)' });
      }
      const text = block.text === undefined ? '' : richText(ctx, block.text, `${path}.text`);
      const box =
        `<div class="sk-box"><strong>${t(ctx, 'coupon.title')}</strong><br />` +
        `<span class="sk-code">${ctx.shield.protect('{{ coupon.code }}')}</span><br />` +
        ctx.shield.protect('{{ coupon.value }}') +
        ` · ${t(ctx, 'coupon.validUntil')} ${ctx.shield.protect('{{ coupon.expiresAt | localdate }}')}` +
        ctx.shield.protect('{% if coupon.minimumOrder %}') +
        `<br />${t(ctx, 'coupon.minimumOrder')}: ${ctx.shield.protect('{{ coupon.minimumOrder }}')}` +
        ctx.shield.protect('{% endif %}') +
        `</div>`;
      return section(`<mj-text>${text}${ctx.shield.protect('{% if coupon %}')}${box}${ctx.shield.protect('{% endif %}')}</mj-text>`);
    }
    case 'reward': {
      const text = block.text === undefined ? '' : richText(ctx, block.text, `${path}.text`);
      ctx.links.push({ url: '{{ reward.link }}', path });
      const box =
        `<div class="sk-box"><strong>${t(ctx, 'reward.title')}</strong><br />${ctx.shield.protect('{{ reward.label }}')}<br />` +
        `<a href="${ctx.shield.protect('{{ reward.link }}')}">${t(ctx, 'reward.cta')}</a></div>`;
      // The "choose your reward" mail: one signed link per reward instead of the share link.
      const choices =
        `<div class="sk-box"><strong>${t(ctx, 'reward.chooseTitle')}</strong>` +
        ctx.shield.protect('{% for choice in reward.choices %}') +
        `<br /><a href="${ctx.shield.protect('{{ choice.link }}')}">${ctx.shield.protect('{{ choice.label }}')}</a>` +
        ctx.shield.protect('{% endfor %}') +
        `</div>`;
      return section(
        `<mj-text>${text}${ctx.shield.protect('{% if reward.choices %}')}${choices}${ctx.shield.protect('{% elsif reward %}')}${box}${ctx.shield.protect('{% endif %}')}</mj-text>`,
      );
    }
  }
};

/** Every Liquid-bearing field of a block, with its path, to parse-check one by one. */
const liquidFields = (block: Block, path: string): [string, string][] => {
  switch (block.type) {
    case 'heading':
    case 'text':
      return [[`${path}.text`, block.text]];
    case 'button':
      return [[`${path}.label`, block.label], [`${path}.url`, block.url]];
    case 'image':
      return [[`${path}.alt`, block.alt], ...(block.href ? ([[`${path}.href`, block.href]] as [string, string][]) : [])];
    case 'coupon':
    case 'reward':
      return block.text ? [[`${path}.text`, block.text]] : [];
    case 'divider':
      return [];
  }
};

const htmlToTextOptions: HtmlToTextOptions = {
  wordwrap: 78,
  baseElements: { selectors: ['div[role=article]'], returnDomByDefault: true },
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
  ],
};

interface AssembledMjml {
  /** The whole MJML document, Liquid swapped for tokens. */
  mjml: string;
  shield: LiquidShield;
  links: { url: string; path: string }[];
  content: Content;
  htmlEngine: ReturnType<typeof createLiquid>;
}

/** Steps 1-2: Liquid checked field by field, blocks and layout assembled into one MJML document. */
const assembleMjml = async (campaign: { id: string; template: Template }, locale: string, options: CompileOptions): Promise<AssembledMjml> => {
  const dir = options.templatesDir ?? defaultTemplatesDir;
  const { template } = campaign;
  const content: Content | undefined = template.content[locale];
  const base = `template.content.${locale}`;
  if (!content) throw new TemplateCompileError([{ path: base, message: `no content for locale "${locale}"` }]);
  const language = salutationLanguage(locale);
  const layout = await readLayout(dir, template.layout, language);

  // 1. Liquid in every field parses (with our filters: an unknown filter is an error here, not at send time).
  const issues: CompileIssue[] = [];
  const htmlEngine = createLiquid('html');
  const fields: [string, string][] = [
    [`${base}.subject`, content.subject],
    [`${base}.preheader`, content.preheader],
    ...(content.text === undefined ? [] : ([[`${base}.text`, content.text]] as [string, string][])),
    ...content.blocks.flatMap((block, i) => liquidFields(block, `${base}.blocks[${i}]`)),
  ];
  for (const [path, source] of fields) {
    // Everything a mail needs is in the campaign; file lookups would only fail at send time.
    const fileTag = /\{%-?\s*(render|include|layout)\b/.exec(source);
    if (fileTag) {
      issues.push({ path, message: `Liquid: the ${fileTag[1]} tag is not available in mail templates` });
      continue;
    }
    try {
      htmlEngine.parse(source);
    } catch (error) {
      issues.push({ path, message: `Liquid: ${(error as Error).message.split('\n')[0]}` });
    }
  }

  // 2. Blocks -> MJML (links checked), layout markers filled in.
  const shield = new LiquidShield();
  const links: { url: string; path: string }[] = [];
  const blocks = content.blocks
    .map((block, i) => blockMjml(block, { path: `${base}.blocks[${i}]`, shield, links, issues, strings: layout.strings }))
    .join('\n');
  if (issues.length > 0) throw new TemplateCompileError(issues);

  const missing: string[] = [];
  const mjml = shield.protect(
    layout.mjml.replace(/\[\[([a-z][\w.]*)\]\]/gi, (marker, key: string) => {
      if (key === 'lang') return language;
      if (key === 'subject') return escapeHtml(shield.protect(content.subject));
      if (key === 'preheader') return escapeHtml(shield.protect(content.preheader));
      if (key === 'blocks') return blocks;
      if (key.startsWith('t.')) {
        const value = voicedString(layout.strings, key.slice(2), shield);
        if (value !== undefined) return value;
      }
      missing.push(key);
      return marker;
    }),
  );
  if (missing.length > 0) {
    throw new TemplateCompileError(missing.map((key) => ({ path: `layout ${template.layout}`, message: `unknown marker [[${key}]] (locale ${language})` })));
  }
  return { mjml, shield, links, content, htmlEngine };
};

/**
 * The campaign's MJML for one locale with its Liquid in place — what a naive sender would render
 * per recipient (the render benchmark's baseline). Not used on any send path.
 */
export const templateMjml = async (campaign: { id: string; template: Template }, locale: string, options: CompileOptions = {}): Promise<string> => {
  const { mjml, shield } = await assembleMjml(campaign, locale, options);
  return shield.restore(mjml);
};

/**
 * Compiles one locale of a campaign template. Throws TemplateCompileError listing every problem
 * with its JSON path (bad link schemes, Liquid syntax errors, unknown filters, MJML errors).
 */
export const compileTemplate = async (
  campaign: { id: string; template: Template },
  locale: string,
  options: CompileOptions = {},
): Promise<CompiledTemplate> => {
  const { template } = campaign;
  const { mjml, shield, links, content, htmlEngine } = await assembleMjml(campaign, locale, options);
  // 3. MJML -> HTML, strictly validated.
  let html: string;
  try {
    const result = await (await loadMjml())(mjml, { validationLevel: 'strict', keepComments: false, ignoreIncludes: true });
    html = result.html;
  } catch (error) {
    const details = (error as { errors?: { formattedMessage?: string; message?: string }[] }).errors;
    const messages = details?.length ? details.map((e) => e.formattedMessage ?? e.message ?? String(e)) : [(error as Error).message];
    throw new TemplateCompileError(messages.map((message) => ({ path: `layout ${template.layout}`, message: `MJML: ${message}` })));
  }

  // 4. Every link in the finished HTML (layout's too) is allowed and goes into the link table.
  const layoutIssues: CompileIssue[] = [];
  for (const [, href] of html.matchAll(/\shref="([^"]*)"/g)) {
    const url = shield.restore(href as string).replace(/&amp;/g, '&');
    if (links.some((l) => l.url === url)) continue;
    const problem = checkLinkUrl(url);
    if (problem) layoutIssues.push({ path: `layout ${template.layout}`, message: problem });
    else links.push({ url, path: `layout ${template.layout}` });
  }
  if (layoutIssues.length > 0) throw new TemplateCompileError(layoutIssues);
  const table: LinkEntry[] = [];
  for (const link of links) {
    if (table.some((l) => l.url === link.url)) continue;
    table.push({ index: table.length, url: link.url, path: link.path, dynamic: /\{\{|\{%/.test(link.url) });
  }

  // 5. Plain text: the written one, or generated from the HTML (tokens still in place).
  const generated = () =>
    // Images are not text; a linked image would otherwise leave a bare URL line behind.
    convert(html.replace(/<a\b[^>]*>\s*<img\b[^>]*>\s*<\/a>/g, ''), htmlToTextOptions)
      .replace(/[ \t\u00a0\u2000-\u200b]+$/gm, '') // spacer sections leave lines of blanks
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n';
  const text = content.text ?? shield.restore(generated());
  html = shield.restore(html);

  // 6. The finished sources parse (the send path parses them again, once per template id).
  const textEngine = createLiquid('text');
  for (const [path, source, engine] of [
    [`layout ${template.layout} (html)`, html, htmlEngine],
    [`layout ${template.layout} (text)`, text, textEngine],
  ] as const) {
    try {
      engine.parse(source);
    } catch (error) {
      throw new TemplateCompileError([{ path, message: `Liquid: ${(error as Error).message.split('\n')[0]}` }]);
    }
  }

  const hash = createHash('sha256')
    .update(JSON.stringify([content.subject, content.preheader, html, text, template.salutation ?? null]))
    .digest('hex')
    .slice(0, 16);
  const compiled: CompiledTemplate = {
    format: 1,
    id: `${campaign.id}:${locale}:${hash}`,
    campaignId: campaign.id,
    locale,
    layout: template.layout,
    subject: content.subject,
    preheader: content.preheader,
    html,
    text,
    links: table,
  };
  if (template.salutation) compiled.salutation = template.salutation;
  return compiled;
};

/**
 * Compiles every content locale of a campaign, and of each A/B variant that changes the content
 * (under "<variant>/<locale>", core/experiments.ts); errors of all locales are reported together.
 */
export const compileCampaignTemplates = async (
  campaign: Pick<Campaign, 'id' | 'template'> & { variants?: Variant[] | undefined },
  options: CompileOptions = {},
): Promise<Record<string, CompiledTemplate>> => {
  const result: Record<string, CompiledTemplate> = {};
  const issues: CompileIssue[] = [];
  const sources: [string, Pick<Campaign, 'id' | 'template'>, string][] = Object.keys(campaign.template.content).map((locale) => [locale, campaign, '']);
  for (const variant of (campaign.variants ?? []).filter(variantOverrides)) {
    const own = { id: campaign.id, template: variantTemplate(campaign.template, variant) };
    for (const locale of Object.keys(own.template.content)) sources.push([variantTemplateKey(variant.id, locale), own, `variants.${variant.id}: `]);
  }
  for (const [key, source, prefix] of sources) {
    try {
      result[key] = await compileTemplate(source, key.split('/').pop()!, options);
    } catch (error) {
      if (error instanceof TemplateCompileError) issues.push(...error.issues.map((issue) => (prefix ? { ...issue, path: `${prefix}${issue.path}` } : issue)));
      else throw error;
    }
  }
  if (issues.length > 0) throw new TemplateCompileError(issues);
  return result;
};
