import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as o,b as t,c as m}from"./chunk-U56OMF6Y.js";import{f as r}from"./chunk-UY3AAVSQ.js";import"./chunk-5474FCTX.js";import"./chunk-ATGGAIYH.js";import"./chunk-ODJJHHNC.js";var e=class extends o(t,m,"CreateInstanceProfile",r){};export{e as CreateInstanceProfileCommand};
