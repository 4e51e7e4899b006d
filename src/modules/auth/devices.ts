import { UAParser } from 'ua-parser-js';

/** What a user sees in their session list: "Firefox 133 on Windows 11, desktop". */
export interface Device {
  browser: string | null;
  os: string | null;
  deviceType: string;
}

export function describeDevice(userAgent: string | undefined): Device {
  if (!userAgent) return { browser: null, os: null, deviceType: 'unknown' };
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
