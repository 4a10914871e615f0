// Leaves every package as it is; pnpm records this file's checksum in
// pnpm-lock.yaml, so a frozen install needs the file beside the lockfile.
module.exports = { hooks: { readPackage: (pkg) => pkg } };
