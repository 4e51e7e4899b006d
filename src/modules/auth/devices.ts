import { UAParser } from 'ua-parser-js';

/** What a user sees in their session list: "Firefox 133 on Windows 11, desktop". */
export interface Device {
  browser: string | null;
  os: string | null;
  deviceType: string;
}

// Parsing a user agent costs a fraction of a millisecond of regular expressions, and the same few
// browsers sign in all day: remember the last few hundred answers.
const seen = new Map<string, Device>();
const SEEN_MAX = 500;

export function describeDevice(userAgent: string | undefined): Device {
  if (!userAgent) return { browser: null, os: null, deviceType: 'unknown' };
  const known = seen.get(userAgent);
  if (known) return known;
  const device = parse(userAgent);
  if (seen.size >= SEEN_MAX) seen.delete(seen.keys().next().value!);
  seen.set(userAgent, device);
  return device;
}

function parse(userAgent: string): Device {
  const ua = new UAParser(userAgent).getResult();
  const join = (name?: string, version?: string) =>
    name ? `${name}${version ? ` ${version.split('.')[0]}` : ''}` : null;
  return {
    browser: join(ua.browser.name, ua.browser.version),
    os: join(ua.os.name, ua.os.version),
    // ua-parser leaves desktop browsers without a type
    deviceType: ua.device.type ?? (ua.browser.name || ua.os.name ? 'desktop' : 'unknown'),
  };
}
