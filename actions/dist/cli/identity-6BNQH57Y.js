import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{d as a}from"./chunk-JROSIT2M.js";import"./chunk-NJU34BGK.js";import"./chunk-4S2NI427.js";import"./chunk-5WMKUWAN.js";import"./chunk-DWO5JKHP.js";import"./chunk-EUYPWAM6.js";import"./chunk-RMIBCZSM.js";import"./chunk-LVKEIE3P.js";export{a as readCallerAccount};
