import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as m,b as o,c as t}from"./chunk-BX7M4BGR.js";import{d as r}from"./chunk-CSCPOCEP.js";import"./chunk-5474FCTX.js";import"./chunk-ATGGAIYH.js";import"./chunk-ODJJHHNC.js";var e=class extends m(o,t,"CreateTags",r){};export{e as CreateTagsCommand};
