import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as m,b as e,c as r}from"./chunk-U56OMF6Y.js";import{e as t}from"./chunk-UY3AAVSQ.js";import"./chunk-5474FCTX.js";import"./chunk-ATGGAIYH.js";import"./chunk-ODJJHHNC.js";var o=class extends m(e,r,"AttachRolePolicy",t){};export{o as AttachRolePolicyCommand};
