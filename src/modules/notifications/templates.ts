/**
 * Email templates as typed functions: every value is escaped for HTML, the text part says the same
 * as the HTML part, and the tenant's name tells the reader who is writing.
 */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

interface Rendered {
  subject: string;
  text: string;
  html: string;
}

function layout(tenantName: string, title: string, bodyHtml: string): string {
  return `<!doctype html><html><body style="margin:0;background:#f4f5f9;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1f2430">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:32px 12px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#fff;border-radius:12px;border:1px solid #e6e8ef">
<tr><td style="padding:28px 32px 8px;font-size:13px;color:#6b7280">${escapeHtml(tenantName)} · Rollcall</td></tr>
<tr><td style="padding:4px 32px 0;font-size:22px;font-weight:650">${escapeHtml(title)}</td></tr>
<tr><td style="padding:16px 32px 32px;font-size:15px;line-height:1.55">${bodyHtml}</td></tr>
</table></td></tr></table></body></html>`;
}

export function signInCodeEmail(p: {
  tenantName: string;
  firstName: string;
  code: string;
  minutes: number;
}): Rendered {
  return {
    subject: `${p.code} is your ${p.tenantName} sign-in code`,
    text: `Hello ${p.firstName},\n\nYour sign-in code is ${p.code}. It works once, for ${p.minutes} minutes.\n\nIf you did not try to sign in, change your password: someone knows it.\n`,
    html: layout(
      p.tenantName,
      'Your sign-in code',
      `<p>Hello ${escapeHtml(p.firstName)},</p><p>Your sign-in code is</p>
<p style="font-size:30px;font-weight:700;letter-spacing:6px;margin:8px 0 16px">${escapeHtml(p.code)}</p>
<p>It works once, for ${p.minutes} minutes.</p><p style="color:#6b7280">If you did not try to sign in, change your password: someone knows it.</p>`,
    ),
  };
}

export function passwordResetEmail(p: {
  tenantName: string;
  firstName: string;
  link: string;
  minutes: number;
}): Rendered {
  return {
    subject: `Reset your ${p.tenantName} password`,
    text: `Hello ${p.firstName},\n\nTo choose a new password, open this link within ${p.minutes} minutes:\n${p.link}\n\nIt works once. If you did not ask for this, ignore this email; your password stays as it is.\n`,
    html: layout(
      p.tenantName,
      'Reset your password',
      `<p>Hello ${escapeHtml(p.firstName)},</p><p>To choose a new password, use the button within ${p.minutes} minutes.</p>
<p style="margin:20px 0"><a href="${escapeHtml(p.link)}" style="background:#4263eb;color:#fff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">Choose a new password</a></p>
<p style="color:#6b7280;font-size:13px">Or paste this link into your browser: ${escapeHtml(p.link)}</p>
<p style="color:#6b7280">It works once. If you did not ask for this, ignore this email; your password stays as it is.</p>`,
    ),
  };
}

export function invitationEmail(p: {
  tenantName: string;
  inviterName: string;
  /** The organization people type to sign in (the tenant's slug), like the welcome email names it. */
  slug: string;
  login: string;
  link: string;
  days: number;
}): Rendered {
  return {
    subject: `${p.inviterName} invited you to ${p.tenantName}`,
    text: `Hello,\n\n${p.inviterName} invited you to join ${p.tenantName} on Rollcall.\n\nAccept within ${p.days} days:\n${p.link}\n\nThen sign in with the organization “${p.slug}” and ${p.login}.\n\nThe link works once. If you did not expect this, ignore this email.\n`,
    html: layout(
      p.tenantName,
      `You’re invited to ${p.tenantName}`,
      `<p>${escapeHtml(p.inviterName)} invited you to join <b>${escapeHtml(p.tenantName)}</b> on Rollcall.</p>
<p style="margin:20px 0"><a href="${escapeHtml(p.link)}" style="background:#4263eb;color:#fff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">Accept the invitation</a></p>
<p>Then sign in with the organization <b>${escapeHtml(p.slug)}</b> and <b>${escapeHtml(p.login)}</b>.</p>
<p style="color:#6b7280;font-size:13px">Accept within ${p.days} days. Or paste this link into your browser: ${escapeHtml(p.link)}</p>
<p style="color:#6b7280">The link works once. If you did not expect this, ignore this email.</p>`,
    ),
  };
}

export function welcomeEmail(p: {
  tenantName: string;
  firstName: string;
  slug: string;
  login: string;
  link: string;
}): Rendered {
  return {
    subject: `Welcome to ${p.tenantName}`,
    text: `Hello ${p.firstName},\n\nYour account is ready. Sign in at ${p.link} with the organization “${p.slug}” and ${p.login}.\n`,
    html: layout(
      p.tenantName,
      `Welcome, ${p.firstName}`,
      `<p>Your account is ready.</p><p>Sign in at <a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a> with the organization <b>${escapeHtml(p.slug)}</b> and <b>${escapeHtml(p.login)}</b>.</p>`,
    ),
  };
}

/** To someone an administrator's import added: who did, how to sign in, and a link to choose a password. */
export function importWelcomeEmail(p: {
  tenantName: string;
  importerName: string;
  firstName: string;
  /** The organization people type to sign in (the tenant's slug). */
  slug: string;
  email: string;
  username: string | null;
  link: string;
  days: number;
}): Rendered {
  const login = p.username ? `${p.email} (or your username ${p.username})` : p.email;
  const loginHtml = p.username
    ? `<b>${escapeHtml(p.email)}</b> (or your username <b>${escapeHtml(p.username)}</b>)`
    : `<b>${escapeHtml(p.email)}</b>`;
  return {
    subject: `${p.importerName} added you to ${p.tenantName}`,
    text: `Hello ${p.firstName},\n\n${p.importerName} added you to ${p.tenantName} on Rollcall.\n\nChoose your password within ${p.days} days:\n${p.link}\n\nThen sign in with the organization “${p.slug}” and ${login}.\n\nThe link works once. If it has expired, ask ${p.importerName} for a new one. If you did not expect this, ignore this email.\n`,
    html: layout(
      p.tenantName,
      `Welcome to ${p.tenantName}`,
      `<p>Hello ${escapeHtml(p.firstName)},</p><p>${escapeHtml(p.importerName)} added you to <b>${escapeHtml(p.tenantName)}</b> on Rollcall.</p>
<p style="margin:20px 0"><a href="${escapeHtml(p.link)}" style="background:#4263eb;color:#fff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">Choose your password</a></p>
<p>Then sign in with the organization <b>${escapeHtml(p.slug)}</b> and ${loginHtml}.</p>
<p style="color:#6b7280;font-size:13px">Choose it within ${p.days} days. Or paste this link into your browser: ${escapeHtml(p.link)}</p>
<p style="color:#6b7280">The link works once. If it has expired, ask ${p.importerName} for a new one. If you did not expect this, ignore this email.</p>`,
    ),
  };
}

export function emailVerificationEmail(p: {
  tenantName: string;
  firstName: string;
  email: string;
  link: string;
  hours: number;
}): Rendered {
  return {
    subject: `Confirm your email address for ${p.tenantName}`,
    text: `Hello ${p.firstName},\n\nYour ${p.tenantName} account was given the address ${p.email}. Confirm it is yours within ${p.hours} hours:\n${p.link}\n\nIf you do not know this account, ignore this email.\n`,
    html: layout(
      p.tenantName,
      'Confirm your email address',
      `<p>Hello ${escapeHtml(p.firstName)},</p><p>Your ${escapeHtml(p.tenantName)} account was given the address <b>${escapeHtml(p.email)}</b>. Confirm it is yours within ${p.hours} hours.</p>
<p style="margin:20px 0"><a href="${escapeHtml(p.link)}" style="background:#4263eb;color:#fff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">Confirm my address</a></p>
<p style="color:#6b7280;font-size:13px">Or paste this link into your browser: ${escapeHtml(p.link)}</p>
<p style="color:#6b7280">If you do not know this account, ignore this email.</p>`,
    ),
  };
}

/** A flow step's own email: the template author's subject and text, variables already filled in. */
export function flowStepEmail(p: { tenantName: string; subject: string; body: string }): Rendered {
  const paragraphs = p.body
    .split(/\n{2,}/)
    .map((para) => `<p>${escapeHtml(para).replace(/\n/g, '<br>')}</p>`)
    .join('');
  return { subject: p.subject, text: `${p.body}\n`, html: layout(p.tenantName, p.subject, paragraphs) };
}

/** Tells whoever started a run that one of its steps failed, with the error and a link to the run. */
export function flowRunFailedEmail(p: {
  tenantName: string;
  firstName: string;
  templateName: string;
  userName: string;
  stepLabel: string;
  error: string;
  stopped: boolean;
  link: string;
}): Rendered {
  const consequence = p.stopped
    ? 'The steps after it will not run until someone retries it.'
    : 'The step may fail without stopping the run, so the steps after it go on.';
  return {
    subject: `${p.templateName} for ${p.userName}: “${p.stepLabel}” failed`,
    text: `Hello ${p.firstName},\n\nThe step “${p.stepLabel}” of the flow “${p.templateName}” for ${p.userName} in ${p.tenantName} failed:\n\n${p.error}\n\n${consequence}\n\nSee the run: ${p.link}\n`,
    html: layout(
      p.tenantName,
      `A flow step failed`,
      `<p>Hello ${escapeHtml(p.firstName)},</p><p>The step <b>${escapeHtml(p.stepLabel)}</b> of the flow <b>${escapeHtml(p.templateName)}</b> for ${escapeHtml(p.userName)} failed:</p>
<p style="background:#fff5f5;border:1px solid #ffc9c9;border-radius:8px;padding:12px;color:#c92a2a">${escapeHtml(p.error)}</p>
<p>${escapeHtml(consequence)}</p>
<p style="margin:20px 0"><a href="${escapeHtml(p.link)}" style="background:#4263eb;color:#fff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">Open the run</a></p>`,
    ),
  };
}

/**
 * A date was set (or moved) so that the tenant's flow did not start on its own: the one who set it,
 * or the template's owner, decides.
 */
export function flowRunNotStartedEmail(p: {
  tenantName: string;
  firstName: string;
  templateName: string;
  userName: string;
  eventDate: string;
  reason: string;
  link: string;
}): Rendered {
  return {
    subject: `${p.templateName} for ${p.userName} did not start`,
    text: `Hello ${p.firstName},\n\nThe date of ${p.userName} in ${p.tenantName} was set to ${p.eventDate}, but the flow “${p.templateName}” did not start on its own: ${p.reason}\n\nIf it should run, start it from their page: ${p.link}\n`,
    html: layout(
      p.tenantName,
      'A flow did not start',
      `<p>Hello ${escapeHtml(p.firstName)},</p><p>The date of ${escapeHtml(p.userName)} was set to <b>${escapeHtml(p.eventDate)}</b>, but the flow <b>${escapeHtml(p.templateName)}</b> did not start on its own:</p>
<p style="background:#fff9db;border:1px solid #ffe066;border-radius:8px;padding:12px">${escapeHtml(p.reason)}</p>
<p style="margin:20px 0"><a href="${escapeHtml(p.link)}" style="background:#4263eb;color:#fff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">Open their page</a></p>`,
    ),
  };
}
