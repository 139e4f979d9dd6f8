// The app without libs/database (the Nest 11 one) has no notes feature.
export const NOTES_MODULES = [];
