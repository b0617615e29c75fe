import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c,d,e,f,g}from"./chunk-ILTBL4GD.js";import"./chunk-KQI2CKVW.js";import"./chunk-THCY7YHH.js";import"./chunk-AVJHIWLQ.js";import"./chunk-LVKEIE3P.js";export{f as ENV_ACCOUNT_ID,e as ENV_CREDENTIAL_SCOPE,d as ENV_EXPIRATION,a as ENV_KEY,b as ENV_SECRET,c as ENV_SESSION,g as fromEnv};
